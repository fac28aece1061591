"""Developer-authenticated identities in the offline Cognito, through boto3 as a backend and an
app would call it: GetOpenIdTokenForDeveloperIdentity (signed, IAM-checked), then
GetCredentialsForIdentity with the cognito-identity.amazonaws.com login (unsigned)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from guestapi.offline.iam import Role
from guestapi.offline.launch import OfflineStack, build, running

PROVIDER = "attested.test-stack"
_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": {"Ref": "Pool"}},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "KIND"},
            },
        }
    ],
}


def _role(kind: str) -> dict[str, Any]:
    trust = copy.deepcopy(_TRUST)
    trust["Statement"][0]["Condition"]["ForAnyValue:StringLike"][
        "cognito-identity.amazonaws.com:amr"
    ] = kind
    return {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust}}


def _template(*, guests: bool = True, attested_amr: str = "authenticated") -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Pool": {
                "Type": "AWS::Cognito::IdentityPool",
                "Properties": {
                    "AllowUnauthenticatedIdentities": guests,
                    "DeveloperProviderName": PROVIDER,
                },
            },
            "GuestRole": _role("unauthenticated"),
            "AttestedRole": _role(attested_amr),
            "Attach": {
                "Type": "AWS::Cognito::IdentityPoolRoleAttachment",
                "Properties": {
                    "IdentityPoolId": {"Ref": "Pool"},
                    "Roles": {
                        "unauthenticated": {"Fn::GetAtt": ["GuestRole", "Arn"]},
                        "authenticated": {"Fn::GetAtt": ["AttestedRole", "Arn"]},
                    },
                },
            },
        },
        "Outputs": {"PoolId": {"Value": {"Ref": "Pool"}}},
    }


class _Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class Served:
    def __init__(self, offline: OfflineStack, outputs: dict[str, str], clock: _Clock) -> None:
        self.offline = offline
        self.clock = clock
        self.pool_id = outputs["PoolId"]
        self.endpoint = outputs["CognitoIdentityEndpoint"]
        self.app = boto3.client(
            "cognito-identity",
            region_name="us-east-1",
            endpoint_url=self.endpoint,
            config=Config(signature_version=UNSIGNED),
        )

    def backend(self, actions: list[str]) -> Any:
        """A cognito-identity client signed with a role of this account allowed `actions`."""
        role = Role(
            "Backend",
            "arn:aws:iam::123456789012:role/backend",
            "backend",
            "AROABACKENDEXAMPLE01",
            {},
            ({"Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]},),
        )
        self.offline.stack.roles[role.arn] = role
        issued = self.offline.store.issue(ttl=timedelta(hours=1), role=role, session_name="be")
        return boto3.client(
            "cognito-identity",
            region_name="us-east-1",
            endpoint_url=self.endpoint,
            aws_access_key_id=issued.access_key_id,
            aws_secret_access_key=issued.secret_access_key,
            aws_session_token=issued.session_token,
        )

    def token_for(self, user: str, **extra: Any) -> dict[str, Any]:
        backend = self.backend(["cognito-identity:GetOpenIdTokenForDeveloperIdentity"])
        return backend.get_open_id_token_for_developer_identity(
            IdentityPoolId=self.pool_id, Logins={PROVIDER: user}, **extra
        )

    def role_of(self, answer: dict[str, Any]) -> str:
        issued = self.offline.store.lookup(answer["Credentials"]["AccessKeyId"])
        assert issued is not None
        return issued.role_arn


def _serve(template: dict[str, Any]) -> Iterator[Served]:
    clock = _Clock()
    offline = build(template, clock=clock, stack_name="test-stack")
    with running(offline) as outputs:
        yield Served(offline, outputs, clock)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    yield from _serve(_template())


def _code(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = error.value.response["Error"]
    return err["Code"], err.get("Message", "")


def test_a_developer_token_gets_the_authenticated_role(served: Served) -> None:
    answer = served.token_for("apple.key-1")
    creds = served.app.get_credentials_for_identity(
        IdentityId=answer["IdentityId"],
        Logins={"cognito-identity.amazonaws.com": answer["Token"]},
    )
    assert creds["IdentityId"] == answer["IdentityId"]
    assert "AttestedRole" in served.role_of(creds)
    issued = served.offline.store.lookup(creds["Credentials"]["AccessKeyId"])
    assert issued is not None and issued.authentication_type == "authenticated"


def test_one_user_identifier_keeps_one_identity(served: Served) -> None:
    first = served.token_for("apple.key-2")["IdentityId"]
    assert served.token_for("apple.key-2")["IdentityId"] == first
    assert served.token_for("apple.key-3")["IdentityId"] != first


def test_a_linked_identity_never_falls_back_to_guest_credentials(served: Served) -> None:
    answer = served.token_for("apple.key-4")
    with pytest.raises(ClientError) as refused:
        served.app.get_credentials_for_identity(IdentityId=answer["IdentityId"])
    assert _code(refused) == (
        "NotAuthorizedException",
        "Logins don't match. Please include at least one valid login for this identity or "
        "identity pool.",
    )


def test_a_token_works_only_for_its_own_identity(served: Served) -> None:
    mine, other = served.token_for("apple.key-5"), served.token_for("apple.key-6")
    with pytest.raises(ClientError) as refused:
        served.app.get_credentials_for_identity(
            IdentityId=other["IdentityId"],
            Logins={"cognito-identity.amazonaws.com": mine["Token"]},
        )
    assert _code(refused)[0] == "NotAuthorizedException"


def test_a_forged_token_is_refused(served: Served) -> None:
    answer = served.token_for("apple.key-7")
    head, body, sig = answer["Token"].split(".")
    forged = f"{head}.{body}.{sig[:-2]}AA"
    with pytest.raises(ClientError) as refused:
        served.app.get_credentials_for_identity(
            IdentityId=answer["IdentityId"], Logins={"cognito-identity.amazonaws.com": forged}
        )
    code, message = _code(refused)
    assert code == "NotAuthorizedException" and message.startswith("Invalid login token.")


def test_an_expired_token_is_refused_and_token_duration_is_bounded(served: Served) -> None:
    answer = served.token_for("apple.key-8", TokenDuration=60)
    served.clock.now += timedelta(seconds=61)
    try:
        with pytest.raises(ClientError) as refused:
            served.app.get_credentials_for_identity(
                IdentityId=answer["IdentityId"],
                Logins={"cognito-identity.amazonaws.com": answer["Token"]},
            )
        assert _code(refused)[0] == "NotAuthorizedException"
    finally:
        served.clock.now -= timedelta(seconds=61)
    with pytest.raises(ClientError) as too_long:
        served.token_for("apple.key-9", TokenDuration=86_401)
    assert _code(too_long)[0] == "ValidationException"
    assert served.token_for("apple.key-9", TokenDuration=86_400)["Token"]


def test_only_the_pools_developer_provider_is_accepted(served: Served) -> None:
    backend = served.backend(["cognito-identity:GetOpenIdTokenForDeveloperIdentity"])
    with pytest.raises(ClientError) as refused:
        backend.get_open_id_token_for_developer_identity(
            IdentityPoolId=served.pool_id, Logins={"login.someone.else": "user"}
        )
    assert _code(refused)[0] == "NotAuthorizedException"


def test_the_operation_needs_developer_credentials_with_the_grant(served: Served) -> None:
    with pytest.raises(ClientError) as unsigned:
        served.app.get_open_id_token_for_developer_identity(
            IdentityPoolId=served.pool_id, Logins={PROVIDER: "u"}
        )
    assert _code(unsigned)[0] == "MissingAuthenticationTokenException"
    without = served.backend(["cognito-identity:GetId"])
    with pytest.raises(ClientError) as denied:
        without.get_open_id_token_for_developer_identity(
            IdentityPoolId=served.pool_id, Logins={PROVIDER: "u"}
        )
    assert _code(denied)[0] == "AccessDeniedException"
    # The control: with the grant the same call is served, so the refusal above is IAM's.
    assert served.token_for("u")["IdentityId"]


def test_enforce_refuses_guests_but_serves_attested_installs() -> None:
    for served in _serve(_template(guests=False)):
        with pytest.raises(ClientError) as refused:
            served.app.get_id(IdentityPoolId=served.pool_id)
        assert _code(refused) == (
            "NotAuthorizedException",
            "Unauthenticated access is not supported for this identity pool.",
        )
        answer = served.token_for("apple.key-10")
        creds = served.app.get_credentials_for_identity(
            IdentityId=answer["IdentityId"],
            Logins={"cognito-identity.amazonaws.com": answer["Token"]},
        )
        assert "AttestedRole" in served.role_of(creds)


def test_the_attested_roles_trust_policy_decides() -> None:
    # Protection removed from the other side: a role trusting only guests must not be handed to
    # an attested identity, even though the pool attaches it as "authenticated".
    for served in _serve(_template(attested_amr="unauthenticated")):
        answer = served.token_for("apple.key-11")
        with pytest.raises(ClientError) as refused:
            served.app.get_credentials_for_identity(
                IdentityId=answer["IdentityId"],
                Logins={"cognito-identity.amazonaws.com": answer["Token"]},
            )
        assert _code(refused)[0] == "InvalidIdentityPoolConfigurationException"
