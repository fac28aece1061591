"""API Gateway's Lambda proxy integration in the offline stack, with a recording invoker.

The invoker here stands in for the Lambda runtime (tested on its own and end to end in
tests/offline/test_lambda_routes.py): these tests are about what API Gateway does around the
invocation — who may reach the function, the event it sends, and how the result is mapped.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from _offline_guest import Guest
from _template_variants import write_variant
from guestapi.offline.apigateway import Gateway
from guestapi.offline.apigateway.call import Refusal
from guestapi.offline.apigateway.lambda_proxy import LambdaProxyIntegration, proxy_response
from guestapi.offline.apigateway.pipeline import default_integrations
from guestapi.offline.awslambda import outcomes
from guestapi.offline.awslambda.outcomes import InvocationResult, Outcome
from guestapi.offline.launch import OfflineStack, build

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "lambda_routes" / "template.yaml"
INTERNAL_ERROR = {"message": "Internal server error"}


class RecordingInvoker:
    """Answers every invocation with `answer` and keeps the events it was given."""

    def __init__(self, answer: InvocationResult) -> None:
        self.answer = answer
        self.events: list[tuple[str, dict[str, Any]]] = []

    def invoke(
        self, function: str, event: Any, request_id: str, timeout_s: float | None = None
    ) -> InvocationResult:
        self.events.append((function, event))
        self.waited = timeout_s
        return self.answer


def answered(payload: Any) -> InvocationResult:
    """The function returned `payload`."""
    return InvocationResult(Outcome.OK, "request-id", 1.0, payload=payload)


def raised(error_type: str, message: str) -> InvocationResult:
    """The handler raised."""
    return outcomes.failure(
        Outcome.HANDLER_ERROR, "request-id", 1.0, {"errorType": error_type, "errorMessage": message}
    )


OK = answered({"statusCode": 200, "body": "from the function"})


def gateway_for(offline: OfflineStack, invoker: RecordingInvoker) -> Gateway:
    integrations = {
        **default_integrations(offline.stack),
        "AWS_PROXY": LambdaProxyIntegration(offline.stack, invoker),
    }
    return Gateway(offline.stack, offline.store, integrations=integrations)


@pytest.fixture(scope="module")
def offline() -> OfflineStack:
    return build(TEMPLATE)


def variant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    return write_variant(TEMPLATE, tmp_path, *edits, alongside=["src"])


def function_arn(offline: OfflineStack, logical_id: str) -> str:
    return next(arn for arn, f in offline.stack.functions.items() if f.logical_id == logical_id)


# ------------------------------------------------------------------ who reaches the function
def test_a_guest_reaches_the_function_and_it_sees_the_guest(offline: OfflineStack) -> None:
    invoker = RecordingInvoker(OK)
    guest = Guest(offline)
    response = gateway_for(offline, invoker).handle(guest.request("GET", "/dev/whoami"))
    assert (response.status, response.body) == (200, b"from the function")
    [(arn, event)] = invoker.events
    assert arn == function_arn(offline, "WhoAmI")
    identity = event["requestContext"]["identity"]
    assert identity["cognitoIdentityId"] == guest.identity_id
    assert identity["cognitoIdentityPoolId"] == next(iter(offline.stack.identity_pools))
    assert identity["cognitoAuthenticationType"] == "unauthenticated"
    assert identity["accessKey"] == guest.credentials.access_key
    assert identity["userArn"].startswith("arn:aws:sts::123456789012:assumed-role/")
    assert identity["caller"].endswith(":CognitoIdentityCredentials")
    assert identity["sourceIp"] == "127.0.0.1"


def test_an_unsigned_call_never_invokes(offline: OfflineStack) -> None:
    invoker = RecordingInvoker(OK)
    response = gateway_for(offline, invoker).handle(
        Guest(offline).request("GET", "/dev/whoami", signed=False)
    )
    assert response.status == 403
    assert response.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert invoker.events == []


def test_a_route_the_role_does_not_grant_is_denied_without_invoking(offline: OfflineStack) -> None:
    invoker = RecordingInvoker(OK)
    response = gateway_for(offline, invoker).handle(
        Guest(offline).request("POST", "/dev/items/7", b"{}")
    )
    assert response.status == 403
    assert response.header("x-amzn-ErrorType") == "AccessDeniedException"
    assert b"is not authorized to perform: execute-api:Invoke" in response.body
    assert invoker.events == []


def test_widening_the_role_lets_the_same_call_through(tmp_path: Path) -> None:
    # The control for the test above: the refusal came from the role's policy.
    widened = build(variant(tmp_path, ("${Api}/dev/GET/*", "${Api}/dev/*/*")))
    invoker = RecordingInvoker(OK)
    response = gateway_for(widened, invoker).handle(
        Guest(widened).request("POST", "/dev/items/7", b"{}")
    )
    assert response.status == 200
    assert len(invoker.events) == 1


def test_without_the_lambda_permission_api_gateway_cannot_invoke(offline: OfflineStack) -> None:
    # The function's resource policy is what lets API Gateway in (InvokeRole: NONE); the
    # same stack with the permissions removed gets "Invalid permissions on Lambda function".
    models = {**offline.stack.models, "lambda_permissions": ()}
    stripped = replace(offline, stack=replace(offline.stack, models=models))
    for under_test, expected in ((offline, 200), (stripped, 500)):
        invoker = RecordingInvoker(OK)
        response = gateway_for(under_test, invoker).handle(
            Guest(offline).request("GET", "/dev/whoami")
        )
        assert response.status == expected
        assert len(invoker.events) == (1 if expected == 200 else 0)
    assert json.loads(response.body) == INTERNAL_ERROR
    assert response.header("x-amzn-ErrorType") == "InternalServerErrorException"


CALLER_CREDENTIALS = ("        InvokeRole: NONE\n", "")
LAMBDA_GRANT = (
    "      Policies:\n        - PolicyName: invoke\n",
    "      Policies:\n"
    "        - PolicyName: lambda\n"
    "          PolicyDocument:\n"
    "            Statement:\n"
    '              - {Effect: Allow, Action: lambda:InvokeFunction, Resource: "*"}\n'
    "        - PolicyName: invoke\n",
)


def test_sam_default_invoke_role_needs_lambda_invoke_on_the_guest_role(tmp_path: Path) -> None:
    # Without InvokeRole: NONE, SAM sets the integration's credentials to the caller's
    # (arn:aws:iam::*:user/*): the guest's own role must allow lambda:InvokeFunction.
    caller_creds = build(variant(tmp_path, CALLER_CREDENTIALS))
    invoker = RecordingInvoker(OK)
    response = gateway_for(caller_creds, invoker).handle(
        Guest(caller_creds).request("GET", "/dev/whoami")
    )
    assert (response.status, json.loads(response.body)) == (500, INTERNAL_ERROR)
    assert invoker.events == []


def test_sam_default_invoke_role_works_once_the_guest_may_invoke(tmp_path: Path) -> None:
    granted = build(variant(tmp_path, CALLER_CREDENTIALS, LAMBDA_GRANT))
    invoker = RecordingInvoker(OK)
    response = gateway_for(granted, invoker).handle(Guest(granted).request("GET", "/dev/whoami"))
    assert response.status == 200
    assert len(invoker.events) == 1


# ------------------------------------------------------------------ the event
def test_the_event_is_payload_format_1_0(offline: OfflineStack) -> None:
    invoker = RecordingInvoker(OK)
    request = Guest(offline).request("GET", "/dev/whoami?a=1&a=2&b=x%20y")
    gateway_for(offline, invoker).handle(request)
    [(_, event)] = invoker.events
    assert set(event) == {
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    }
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/whoami", "/whoami", "GET")
    assert event["queryStringParameters"] == {"a": "2", "b": "x y"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x y"]}
    assert event["pathParameters"] is None and event["stageVariables"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert event["headers"]["Host"] == "127.0.0.1:4566"
    assert event["multiValueHeaders"]["Host"] == ["127.0.0.1:4566"]
    context = event["requestContext"]
    assert (context["stage"], context["resourcePath"], context["path"]) == (
        "dev",
        "/whoami",
        "/dev/whoami",
    )
    assert context["httpMethod"] == "GET" and context["accountId"] == "123456789012"
    assert context["requestId"] and context["apiId"] == next(iter(offline.stack.rest_apis))


# ------------------------------------------------------------------ the answer
@pytest.mark.parametrize(
    "outcome",
    [
        raised("KeyError", "'no such thing'"),
        outcomes.timed_out("request-id", 1000.0, 1.0),
        answered({"status": 200}),
        answered("just a string"),
        answered({"statusCode": 200, "body": {"not": "a string"}}),
    ],
    ids=["exception", "timeout", "unknown key", "not an object", "body not a string"],
)
def test_function_failures_are_502_internal_server_error(
    offline: OfflineStack, outcome: InvocationResult
) -> None:
    response = gateway_for(offline, RecordingInvoker(outcome)).handle(
        Guest(offline).request("GET", "/dev/whoami")
    )
    assert response.status == 502
    assert response.body == b'{"message": "Internal server error"}'
    assert response.header("x-amzn-ErrorType") == "InternalServerErrorException"


def test_a_throttled_invocation_is_500_not_502(offline: OfflineStack) -> None:
    throttled = RecordingInvoker(outcomes.throttled("request-id"))
    response = gateway_for(offline, throttled).handle(Guest(offline).request("GET", "/dev/whoami"))
    assert (response.status, json.loads(response.body)) == (500, INTERNAL_ERROR)


def test_api_gateway_stops_waiting_at_its_integration_timeout(offline: OfflineStack) -> None:
    gave_up = RecordingInvoker(outcomes.caller_gave_up("request-id", 1000.0, 1.0))
    integrations = {
        **default_integrations(offline.stack),
        "AWS_PROXY": LambdaProxyIntegration(offline.stack, gave_up, integration_timeout_s=1.0),
    }
    gateway = Gateway(offline.stack, offline.store, integrations=integrations)
    response = gateway.handle(Guest(offline).request("GET", "/dev/whoami"))
    assert gave_up.waited == 1.0  # what the gateway was built with, not the function's Timeout
    assert (response.status, json.loads(response.body)) == (
        504,
        {"message": "Endpoint request timed out"},
    )
    assert response.header("x-amzn-ErrorType") == "InternalServerErrorException"
    # By default it waits the documented 29 s; a function's own timeout is still Lambda's 502.
    timed_out = RecordingInvoker(outcomes.timed_out("request-id", 3000.0, 3.0))
    response = gateway_for(offline, timed_out).handle(Guest(offline).request("GET", "/dev/whoami"))
    assert timed_out.waited == 29.0
    assert response.status == 502


def test_an_event_over_6_mb_is_refused_before_invoking(tmp_path: Path) -> None:
    widened = build(variant(tmp_path, ("${Api}/dev/GET/*", "${Api}/dev/*/*")))
    invoker = RecordingInvoker(OK)
    response = gateway_for(widened, invoker).handle(
        Guest(widened).request("POST", "/dev/items/7", b"x" * (6 * 1024 * 1024 + 1))
    )
    assert (response.status, json.loads(response.body)) == (413, {"message": "Request Too Long"})
    assert response.header("x-amzn-ErrorType") == "BadRequestException"
    assert invoker.events == []


def test_a_valid_result_maps_status_headers_and_base64_body() -> None:
    response = proxy_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/octet-stream", "X-One": 1},
            "multiValueHeaders": {"X-Many": ["a", "b"]},
            "body": "AAEC/w==",
            "isBase64Encoded": True,
        },
        binary=True,  # the request's Accept named a binary media type of the API
    )
    assert response.status == 201
    assert response.headers == [
        ("Content-Type", "application/octet-stream"),
        ("X-One", "1"),
        ("X-Many", "a"),
        ("X-Many", "b"),
    ]
    assert response.body == bytes([0, 1, 2, 255])


def test_multi_value_headers_win_over_single_ones() -> None:
    response = proxy_response(
        {
            "statusCode": 200,
            "headers": {"X-A": "single", "X-B": "b"},
            "multiValueHeaders": {"x-a": ["m1", "m2"]},
        }
    )
    assert response.headers == [("X-B", "b"), ("x-a", "m1"), ("x-a", "m2")]


@pytest.mark.parametrize(
    "payload",
    [
        {"statusCode": "two hundred"},
        {"statusCode": True},
        {"statusCode": 200, "body": "@@@", "isBase64Encoded": True},
        {"statusCode": 200, "multiValueHeaders": {"X": "not a list"}},
        {"statusCode": 200, "headers": {"X": {"nested": 1}}},
    ],
)
def test_malformed_results_are_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(Refusal) as refused:
        proxy_response(payload, binary=True)
    assert refused.value.error.status == 502
