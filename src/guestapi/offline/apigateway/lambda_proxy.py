"""The AWS_PROXY integration with Lambda: permission, invocation, and the answer mapped back,
refused as docs/aws-behaviour.md#integration-errors lists it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TYPE_CHECKING, Any, Protocol

from guestapi.aws_constants import APIGATEWAY_PRINCIPAL
from guestapi.offline import iam
from guestapi.offline.apigateway import responses as gr
from guestapi.offline.apigateway.binary_media import is_binary
from guestapi.offline.apigateway.call import Call, Refusal, method_arn
from guestapi.offline.apigateway.errors import BadRequestException, ResponseType
from guestapi.offline.apigateway.mock import configuration_error
from guestapi.offline.apigateway.proxy_event import proxy_event
from guestapi.offline.apigateway.proxy_headers import as_sent
from guestapi.offline.apigateway.router import Route
from guestapi.offline.awslambda.outcomes import InvocationResult
from guestapi.offline.awslambda.permissions import INVOKE, service_may_invoke
from guestapi.offline.iam.trust import service_may_assume
from guestapi.offline.wire import Response, new_request_id

if TYPE_CHECKING:
    from guestapi.offline.stack import Stack

# The integration `credentials` value that means "call with the caller's own credentials".
_CALLER_CREDENTIALS = re.compile(r"arn:[\w-]+:iam::\*:user/\*")
# uri: arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations
_FUNCTION_IN_URI = re.compile(
    r"arn:[\w-]+:apigateway:[\w-]+:lambda:path/2015-03-31/functions/"
    r"(?P<arn>arn:[\w-]+:lambda:[\w-]+:\d+:function:[^:/]+)(?::[^/]+)?/invocations"
)
# API Gateway's integration timeout for REST APIs, its default and, unless raised by a quota
# request, its maximum (docs/aws-behaviour.md#limits); and Lambda's synchronous request limit.
INTEGRATION_TIMEOUT_S = 29.0
MAX_EVENT_BYTES = 6 * 1024 * 1024
_RESULT_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})


class FunctionInvoker(Protocol):
    """What the integration needs of Lambda: awslambda.LambdaService.invoke's signature.

    Positional-only: mypy compares a protocol method's argument types but not their names, so
    a call by keyword through the protocol could name an argument the invoker does not have."""

    def invoke(
        self, function: str, event: Any, request_id: str, timeout_s: float | None = None, /
    ) -> InvocationResult: ...


def function_error(reason: str) -> Refusal:
    """502: the function ran and failed, timed out, crashed, or answered in the wrong shape."""
    return Refusal(
        gr.GatewayError(
            ResponseType.DEFAULT_5XX,
            gr.INTERNAL_SERVER_ERROR,
            status=502,
            reason=reason,
            template=gr.INTERNAL_ERROR_TEMPLATE,
        )
    )


class LambdaProxyIntegration:
    def __init__(
        self,
        stack: Stack,
        invoker: FunctionInvoker,
        *,
        integration_timeout_s: float = INTEGRATION_TIMEOUT_S,
    ) -> None:
        self._stack = stack
        self._invoker = invoker
        self._integration_timeout_s = integration_timeout_s

    def run(self, call: Call, route: Route, context: dict[str, Any]) -> Response:
        integration = route.method.integration
        assert integration is not None
        match = _FUNCTION_IN_URI.fullmatch(integration.uri)
        if match is None or match["arn"] not in self._stack.functions:
            raise configuration_error(
                f"integration uri names no function of this stack: {integration.uri!r}"
            )
        function_arn = match["arn"]
        self._check_invoke_permission(call, route, integration.credentials, function_arn)
        event = proxy_event(call, route, context)
        if len(json.dumps(event)) > MAX_EVENT_BYTES:
            raise Refusal(
                gr.GatewayError(
                    ResponseType.REQUEST_TOO_LARGE,
                    gr.REQUEST_TOO_LARGE,
                    error_type=BadRequestException.code,
                    reason="event over Lambda's 6 MB synchronous payload",
                    template=gr.INTERNAL_ERROR_TEMPLATE,
                )
            )
        # Lambda's request id is its own, not API Gateway's (that one is in the event). API
        # Gateway waits its integration timeout, cold start included, whatever the function's
        # Timeout; a function still running then runs on in Lambda.
        outcome = self._invoker.invoke(
            function_arn, event, new_request_id(), self._integration_timeout_s
        )
        if outcome.caller_gave_up:
            raise Refusal(
                gr.GatewayError(
                    ResponseType.INTEGRATION_TIMEOUT,
                    "Endpoint request timed out",
                    reason=f"no answer within {self._integration_timeout_s:g} s",
                )
            )
        if outcome.rejected:
            # "If the Lambda API rejects the invocation request, API Gateway returns a 500."
            raise Refusal(
                gr.GatewayError(
                    ResponseType.DEFAULT_5XX,
                    gr.INTERNAL_SERVER_ERROR,
                    reason=f"Lambda rejected the invocation: {outcome.error}",
                    template=gr.INTERNAL_ERROR_TEMPLATE,
                )
            )
        if not outcome.ok:
            raise function_error(f"Lambda execution failed: {outcome.error}")
        # "API Gateway only honors the first Accept media type" (binary_media.py).
        accept = call.request.header("accept")
        return proxy_response(
            outcome.payload, binary=is_binary(accept, route.api.binary_media_types)
        )

    def _check_invoke_permission(
        self, call: Call, route: Route, credentials: str, function_arn: str
    ) -> None:
        if _CALLER_CREDENTIALS.fullmatch(credentials):
            decision = self._caller_may_invoke(call, function_arn)
        elif credentials:
            decision = self._role_may_invoke(credentials, function_arn)
        else:
            decision = service_may_invoke(
                self._stack.lambda_permissions,
                function_arn=function_arn,
                service=APIGATEWAY_PRINCIPAL,
                source_arn=method_arn(self._stack, route, call.request.method),
            )
        if not decision.allowed:
            # AWS's execution log: "Execution failed due to configuration error: Invalid
            # permissions on Lambda function"; the caller sees a plain 500.
            raise configuration_error(f"Invalid permissions on Lambda function ({decision.reason})")

    def _caller_may_invoke(self, call: Call, function_arn: str) -> iam.Decision:
        role = self._stack.roles.get(call.caller.role_arn) if call.caller else None
        if role is None or call.caller is None:
            return iam.Decision(False, False, None, "no caller credentials to invoke with")
        return iam.evaluate_session(
            role.policies, call.caller.session_policies, action=INVOKE, resource=function_arn
        )

    def _role_may_invoke(self, role_arn: str, function_arn: str) -> iam.Decision:
        role = self._stack.roles.get(role_arn)
        if role is None:
            return iam.Decision(False, False, None, f"role {role_arn} is not part of this stack")
        trust = service_may_assume(role, APIGATEWAY_PRINCIPAL)
        if not trust.allowed:
            return iam.Decision(False, trust.explicit_deny, None, trust.reason)
        return iam.evaluate(role.policies, action=INVOKE, resource=function_arn)


def proxy_response(payload: Any, *, binary: bool = False) -> Response:
    """A function's proxy result as the HTTP answer; anything malformed is a 502.

    `binary`: the request's Accept names one of the API's binary media types, so a body with
    `isBase64Encoded: true` is decoded to bytes; otherwise it goes out as the text it is.
    """
    if not isinstance(payload, dict) or not set(payload) <= _RESULT_KEYS:
        raise function_error(
            "Malformed Lambda proxy response: not an object of the documented keys"
        )
    status = payload.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int | str) or not str(status).isdigit():
        raise function_error("Malformed Lambda proxy response: statusCode is not an integer")
    multi = payload.get("multiValueHeaders") or {}
    # A header named in both maps keeps only its multiValueHeaders values (documented merge).
    overridden = {str(name).lower() for name in multi}
    headers = [
        (str(k), _header_value(v))
        for k, v in (payload.get("headers") or {}).items()
        if str(k).lower() not in overridden
    ]
    for name, values in multi.items():
        if not isinstance(values, list):
            raise function_error("Malformed Lambda proxy response: multiValueHeaders need lists")
        headers.extend((str(name), _header_value(v)) for v in values)
    return Response(int(status), as_sent(headers), _body(payload, binary=binary))


def _header_value(value: Any) -> str:
    if isinstance(value, dict | list):
        raise function_error("Malformed Lambda proxy response: a header value is not a scalar")
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _body(payload: dict[str, Any], *, binary: bool) -> bytes:
    body = payload.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise function_error("Malformed Lambda proxy response: body is not a string")
    if binary and payload.get("isBase64Encoded") is True:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise function_error("Malformed Lambda proxy response: body is not base64") from None
    return body.encode()
