"""Every signed AWS API of the offline stack evaluates IAM with the request's condition keys
(iam.context.condition_keys, docs/aws-behaviour.md#request-context): a Deny on aws:SourceIp
refuses a caller from that range at Cognito's developer operations, at API Gateway's control
plane and at the moto front door; with the request's keys dropped at our seam, the same caller
gets through."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from _json_service_harness import serve_handler
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from _dynamodb_helpers import JSON_1_0, spec
from guestapi.offline.apigateway import management
from guestapi.offline.dynamodb import DynamoDbFrontDoor
from guestapi.offline.dynamodb.operations import Planner
from guestapi.offline.iam import Role, callers, context
from guestapi.offline.launch import OfflineStack, build
from guestapi.offline.motoservice import front_door
from guestapi.offline.motoservice.callers import caller_lookup
from guestapi.offline.motoservice.emulator import Upstream
from guestapi.offline.wire import Request, Response

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
HOST = "127.0.0.1:4566"
DENIED_IP, OTHER_IP = "203.0.113.7", "198.51.100.1"
POLICY = {
    "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        },
    ]
}


@pytest.fixture(scope="module")
def offline() -> Iterator[OfflineStack]:
    stack = build(TEMPLATE)
    yield stack
    stack.close()


@pytest.fixture(scope="module")
def creds(offline: OfflineStack) -> Credentials:
    arn = "arn:aws:iam::123456789012:role/ops"
    role = Role("Ops", arn, "ops", "AROAOPSEXAMPLE000001", {}, (POLICY,))
    offline.stack.roles[role.arn] = role  # the maps every service's IAM step reads
    issued = offline.store.issue(ttl=timedelta(hours=1), role=role, session_name="ops")
    return Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)


@pytest.fixture(scope="module")
def dynamodb(offline: OfflineStack) -> Iterator[DynamoDbFrontDoor]:
    """DynamoDB's front door before a stand-in for moto that answers every forwarded call."""
    with serve_handler(lambda request: Response(200, [], b"{}")) as url:
        door = DynamoDbFrontDoor(
            Planner("us-east-1", "123456789012", tables={"A": spec("A")}),
            upstream=Upstream(url, "key"),
            lookup_caller=caller_lookup(offline.store, offline.stack.roles),
        )
        yield door
        door.close()


_CONTENT_TYPES = {"cognito-identity": "application/x-amz-json-1.1", "dynamodb": JSON_1_0}


def _signed(
    service: str, creds: Credentials, ip: str, *, path: str = "/", body: bytes = b"", target=""
) -> Request:
    """Signed as botocore signs it, from `ip`: a JSON call to `target`, or a GET of `path`."""
    method, headers = "GET", {"Host": HOST}
    if target:
        method = "POST"
        headers |= {"X-Amz-Target": target, "Content-Type": _CONTENT_TYPES[service]}
    aws = AWSRequest(method, f"http://{HOST}{path}", data=body, headers=headers)
    SigV4Auth(creds, service, "us-east-1").add_auth(aws)
    prepared = aws.prepare()
    return Request(method, path, "", tuple(prepared.headers.items()), body, HOST, ip)


def _cognito(offline: OfflineStack, _door, creds: Credentials, ip: str) -> Response:
    pool_id = next(iter(offline.stack.identity_pools))
    body = json.dumps({"IdentityPoolId": pool_id}).encode()
    target = "AWSCognitoIdentityService.DescribeIdentityPool"
    return offline.cognito.handle(_signed("cognito-identity", creds, ip, body=body, target=target))


def _control_plane(offline: OfflineStack, _door, creds: Credentials, ip: str) -> Response:
    assert offline.apigateway is not None
    path = f"/restapis/{next(iter(offline.stack.rest_apis))}/resources"
    return offline.apigateway.handle(_signed("apigateway", creds, ip, path=path))


def _front_door(_offline, door: DynamoDbFrontDoor, creds: Credentials, ip: str) -> Response:
    body = json.dumps({"TableName": "A", "Key": {"pk": {"S": "x"}}}).encode()
    target = "DynamoDB_20120810.GetItem"
    return door.handle(_signed("dynamodb", creds, ip, body=body, target=target))


Call = Callable[[OfflineStack, DynamoDbFrontDoor, Credentials, str], Response]


def _error_type(response: Response) -> str:
    return json.loads(response.body).get("__type", "") if response.status != 200 else ""


@pytest.mark.parametrize(
    ("call", "seam"),
    [(_cognito, callers), (_control_plane, management), (_front_door, front_door)],
    ids=["cognito", "apigateway", "dynamodb"],
)
def test_a_deny_on_the_source_ip_holds_at_every_signed_api(
    offline, dynamodb, creds, monkeypatch, call: Call, seam
) -> None:
    assert call(offline, dynamodb, creds, OTHER_IP).status == 200
    refused = call(offline, dynamodb, creds, DENIED_IP)
    assert refused.status in (400, 403)
    assert "AccessDenied" in (refused.header("x-amzn-ErrorType") or _error_type(refused))

    def without_request_keys(*args, **kwargs):
        return context.condition_keys(*args, **{**kwargs, "request": None})

    # Without the request's keys (our seam), the Deny cannot see the address and lets it in.
    monkeypatch.setattr(seam, "condition_keys", without_request_keys)
    assert call(offline, dynamodb, creds, DENIED_IP).status == 200
