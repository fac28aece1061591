"""Cognito's developer operations (DescribeIdentityPool, GetIdentityPoolRoles) need SigV4
credentials whose role allows the operation on the pool, as on AWS; the public ones do not."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from guestapi.offline.iam import Role
from guestapi.offline.launch import OfflineStack, build
from guestapi.offline.wire import Request

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
HOST = "127.0.0.1:4566"


@pytest.fixture(scope="module")
def offline() -> OfflineStack:
    return build(TEMPLATE)


def _caller(offline: OfflineStack, actions: list[str]) -> Credentials:
    """Credentials of a role of this account whose policy allows `actions` on every pool."""
    role = Role(
        "Admin",
        "arn:aws:iam::123456789012:role/admin",
        "admin",
        "AROAADMINEXAMPLE0001",
        {},
        ({"Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]},),
    )
    offline.stack.roles[role.arn] = role  # the stack's roles map is what the authority reads
    issued = offline.store.issue(ttl=timedelta(hours=1), role=role, session_name="admin")
    return Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)


def _call(offline: OfflineStack, operation: str, creds: Credentials | None) -> tuple[int, dict]:
    pool_id = next(iter(offline.stack.identity_pools))
    body = json.dumps({"IdentityPoolId": pool_id}).encode()
    aws = AWSRequest(
        "POST",
        f"http://{HOST}/",
        data=body,
        headers={
            "Host": HOST,
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityService.{operation}",
        },
    )
    if creds is not None:
        SigV4Auth(creds, "cognito-identity", "us-east-1").add_auth(aws)
    prepared = aws.prepare()
    request = Request("POST", "/", "", tuple(prepared.headers.items()), body, HOST)
    response = offline.cognito.handle(request)
    return response.status, json.loads(response.body)


@pytest.mark.parametrize("operation", ["DescribeIdentityPool", "GetIdentityPoolRoles"])
def test_a_developer_operation_needs_a_signature(offline, operation) -> None:
    status, body = _call(offline, operation, None)
    assert (status, body["__type"]) == (400, "MissingAuthenticationTokenException")


@pytest.mark.parametrize("operation", ["DescribeIdentityPool", "GetIdentityPoolRoles"])
def test_a_role_without_the_grant_is_access_denied_and_with_it_served(offline, operation) -> None:
    status, body = _call(offline, operation, _caller(offline, ["cognito-identity:GetId"]))
    assert (status, body["__type"]) == (400, "AccessDeniedException")
    assert f"is not authorized to perform: cognito-identity:{operation}" in body["message"]
    # The control: the same call with the grant is served.
    status, body = _call(offline, operation, _caller(offline, [f"cognito-identity:{operation}"]))
    assert status == 200


def test_get_identity_pool_roles_names_the_guest_role(offline) -> None:
    status, body = _call(offline, "GetIdentityPoolRoles", _caller(offline, ["cognito-identity:*"]))
    assert status == 200
    [guest_role] = [arn for arn in offline.stack.roles if "GuestRole" in arn]
    assert body == {
        "IdentityPoolId": next(iter(offline.stack.identity_pools)),
        "Roles": {"unauthenticated": guest_role},
    }
