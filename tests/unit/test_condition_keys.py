"""One builder of IAM's request context (guestapi.offline.iam.context.condition_keys): the
Cognito keys are a Cognito identity's token claims, whoever evaluates them, and a service role's
session has none (docs/aws-behaviour.md#request-context)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from guestapi.aws_constants import COGNITO_AMR, COGNITO_AUD, COGNITO_IDENTITY, COGNITO_SUB
from guestapi.offline.credentials import CredentialStore, IssuedCredential, WebIdentity
from guestapi.offline.iam import Role
from guestapi.offline.iam.context import condition_keys
from guestapi.offline.wire import Request

NOW = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)
POOL = "us-east-1:11111111-2222-3333-4444-555555555555"
ROLE = Role("Guest", "arn:aws:iam::123456789012:role/guest", "guest", "AROAEXAMPLEROLEID0001", {})
DEVELOPER_AMR = ["authenticated", "login.example", f"login.example:{POOL}:user-1"]


def session(identity: WebIdentity | None) -> IssuedCredential:
    store = CredentialStore(clock=lambda: NOW)
    return store.issue(
        ttl=timedelta(hours=1), role=ROLE, session_name="session", web_identity=identity
    )


def cognito_keys(keys: dict) -> dict:
    return {k: v for k, v in keys.items() if k.startswith(COGNITO_IDENTITY)}


def test_a_cognito_sessions_keys_are_the_claims_of_its_token() -> None:
    guest = session(WebIdentity.from_amr("us-east-1:guest", POOL, ["unauthenticated"]))
    assert cognito_keys(condition_keys(guest)) == {
        COGNITO_AUD: POOL,
        COGNITO_SUB: "us-east-1:guest",
        COGNITO_AMR: ["unauthenticated"],
    }
    # A developer login's amr names its provider too, in the session as in the token.
    developer = WebIdentity.from_amr("us-east-1:dev", POOL, DEVELOPER_AMR)
    assert condition_keys(session(developer))[COGNITO_AMR] == DEVELOPER_AMR
    # STS's trust check (a token, no session yet) sees what the session it issues will carry.
    assert condition_keys(identity=developer) == cognito_keys(condition_keys(session(developer)))


def test_a_service_roles_session_has_no_cognito_keys() -> None:
    request = Request("POST", "/", "", (("User-Agent", "sdk/1"),), b"", source_ip="10.1.2.3")
    keys = condition_keys(session(None), request=request, now=NOW, region="eu-west-1")
    assert cognito_keys(keys) == {}
    assert keys == {
        "aws:SourceIp": "10.1.2.3",
        "aws:CurrentTime": "2026-11-26T10:00:00Z",
        "aws:EpochTime": str(int(NOW.timestamp())),
        "aws:SecureTransport": "false",
        "aws:UserAgent": "sdk/1",
        "aws:RequestedRegion": "eu-west-1",
        "aws:userid": "AROAEXAMPLEROLEID0001:session",
        "aws:PrincipalArn": ROLE.arn,
        "aws:PrincipalAccount": "123456789012",
        "aws:PrincipalType": "AssumedRole",
    }
