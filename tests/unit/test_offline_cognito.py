"""Cognito Identity twin: driven directly, then through boto3's unmodified cognito-identity client.

Each refusal is paired with the acceptance it guards, and each security check is also run with the
protection removed (an always-allow trust evaluator, guest access on, classic flow on) to show the
test would notice if the protection went away.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from _botocore_in_process import in_process, serve_services
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from _service_calls import call_json
from guestapi.offline.cognito import CognitoIdentityService
from guestapi.offline.cognito.model import IdentityPool
from guestapi.offline.cognito.openid import (
    MalformedTokenError,
    TokenExpiredError,
    TokenSignatureError,
)
from guestapi.offline.credentials import CredentialStore
from guestapi.offline.iam import Decision, Role, evaluate_trust
from guestapi.offline.iam.callers import CallerAuthority
from guestapi.offline.stack import Stack
from guestapi.offline.wire import Request, Response

REGION = "us-east-1"
ACCOUNT = "123456789012"
POOL_ID = "us-east-1:0f6c3a2e-5b1d-4c8e-9a7f-1e2d3c4b5a69"
OTHER_POOL_ID = "us-east-1:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/guest-api-local-GuestRole-1A2B3C4D5E6F"
TARGET = "AWSCognitoIdentityService."
JSON_1_1 = "application/x-amz-json-1.1"
HOST = "127.0.0.1:4566"
START = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# Fixtures: the template's shapes, built by hand so each test can vary one thing
# --------------------------------------------------------------------------------------------
def guest_trust(*, aud: str = POOL_ID, amr: str = "unauthenticated") -> dict[str, Any]:
    """The trust policy template.yaml gives GuestRole, with aud/amr as parameters."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": aud},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
                },
            }
        ],
    }


def make_stack(
    *,
    allow_unauthenticated: bool = True,
    allow_classic_flow: bool | None = False,
    trust: dict[str, Any] | None = None,
    attach_role: bool = True,
) -> Stack:
    role = Role(
        logical_id="GuestRole",
        arn=ROLE_ARN,
        name=ROLE_ARN.rsplit("/", 1)[1],
        role_id="AROAQEXAMPLEGUESTROLE",
        assume_role_policy=trust if trust is not None else guest_trust(),
        max_session_duration=3600,
    )
    pool = IdentityPool(
        logical_id="IdentityPool",
        pool_id=POOL_ID,
        name="guest-api-local-guests",
        allow_unauthenticated=allow_unauthenticated,
        allow_classic_flow=allow_classic_flow,
        roles={"unauthenticated": ROLE_ARN} if attach_role else {},
    )
    return Stack(
        region=REGION,
        account_id=ACCOUNT,
        partition="aws",
        models={"identity_pools": {POOL_ID: pool}, "roles": {ROLE_ARN: role}},
        outputs={"IdentityPoolId": POOL_ID, "GuestRoleArn": ROLE_ARN, "Region": REGION},
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


# The project's IAM evaluator: refusals below are what real policy evaluation produces.
TRUST = evaluate_trust


def always_allow(policy: Any, **_: Any) -> Decision:
    """The protection removed: a trust evaluator that accepts anything."""
    return Decision(
        allowed=True, explicit_deny=False, matched=None, reason="mutation: no trust check"
    )


@dataclass
class Twin:
    service: CognitoIdentityService
    store: CredentialStore
    clock: FakeClock
    log: list[str]

    def call(self, operation: str, body: Mapping[str, Any] | bytes) -> Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return call_json(self.service, TARGET + operation, raw)

    def ok(self, operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
        response = self.call(operation, body)
        assert response.status == 200, response.body
        return json.loads(response.body)

    def new_identity(self) -> str:
        return self.ok("GetId", {"IdentityPoolId": POOL_ID})["IdentityId"]


def make_twin(
    stack: Stack | None = None,
    *,
    trust: Callable[..., Any] = TRUST,
    store_size: int = 100_000,
    **kwargs: Any,
) -> Twin:
    clock = FakeClock()
    store = CredentialStore(clock=clock, max_entries=store_size)
    log: list[str] = []
    stack = stack or make_stack()
    authority = CallerAuthority(region=REGION, store=store, roles=stack.roles, clock=clock)
    service = CognitoIdentityService(
        stack, store, clock=clock, trust_evaluator=trust, authority=authority, **kwargs
    )
    service._log = log.append  # type: ignore[method-assign]
    return Twin(service, store, clock, log)


def error_of(response: Response) -> tuple[int, str, str | None]:
    body = json.loads(response.body)
    assert response.header("x-amzn-ErrorType") == body["__type"]
    assert response.header("Content-Type") == JSON_1_1
    assert response.header("x-amzn-RequestId")
    return response.status, body["__type"], body.get("message")


def jwt_payload(token: str) -> dict[str, Any]:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


# --------------------------------------------------------------------------------------------
# GetId
# --------------------------------------------------------------------------------------------
def test_get_id_mints_a_new_identity_in_the_pool_region_each_call() -> None:
    twin = make_twin()
    response = twin.call("GetId", {"IdentityPoolId": POOL_ID})
    assert response.status == 200
    assert response.header("Content-Type") == JSON_1_1
    assert response.header("x-amzn-RequestId")
    first = json.loads(response.body)["IdentityId"]
    second = twin.new_identity()
    assert first != second
    for identity in (first, second):
        region, _, guid = identity.partition(":")
        assert region == REGION and len(guid) == 36


def test_get_id_unknown_pool() -> None:
    twin = make_twin()
    assert error_of(twin.call("GetId", {"IdentityPoolId": OTHER_POOL_ID})) == (
        400,
        "ResourceNotFoundException",
        f"IdentityPool '{OTHER_POOL_ID}' not found.",
    )


def test_get_id_refused_when_guest_access_is_off_and_allowed_when_on() -> None:
    off = make_twin(make_stack(allow_unauthenticated=False))
    assert error_of(off.call("GetId", {"IdentityPoolId": POOL_ID})) == (
        400,
        "NotAuthorizedException",
        "Unauthenticated access is not supported for this identity pool.",
    )
    on = make_twin(make_stack(allow_unauthenticated=True))
    assert on.call("GetId", {"IdentityPoolId": POOL_ID}).status == 200


def test_logins_name_no_supported_provider() -> None:
    twin = make_twin()
    logins = {"Logins": {"accounts.google.com": "eyJhbGciOi.fake.token"}}
    assert error_of(twin.call("GetId", {"IdentityPoolId": POOL_ID, **logins})) == (
        400,
        "NotAuthorizedException",
        "Token is not from a supported provider of this identity pool.",
    )
    identity = twin.new_identity()
    refused = twin.call("GetCredentialsForIdentity", {"IdentityId": identity, **logins})
    assert error_of(refused)[1] == "NotAuthorizedException"
    # An empty Logins map is no login at all.
    assert twin.call("GetId", {"IdentityPoolId": POOL_ID, "Logins": {}}).status == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {},
            "1 validation error detected: Value null at 'identityPoolId' failed to satisfy "
            "constraint: Member must not be null",
        ),
        (
            {"IdentityPoolId": "us-east-1_AbCdEf123"},  # a *user* pool id, the classic mistake
            "1 validation error detected: Value 'us-east-1_AbCdEf123' at 'identityPoolId' failed "
            "to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+",
        ),
        (
            {"IdentityPoolId": "us-east-1:" + "a" * 50},
            "1 validation error detected: Value 'us-east-1:"
            + "a" * 50
            + "' at 'identityPoolId' failed to satisfy constraint: Member must have length less "
            "than or equal to 55",
        ),
        (
            {"IdentityPoolId": "", "AccountId": "12ab"},
            "3 validation errors detected: Value '' at 'identityPoolId' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1; Value '' at "
            "'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression "
            "pattern: [\\w-]+:[0-9a-f-]+; Value '12ab' at 'accountId' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: \\d+",
        ),
    ],
)
def test_invalid_parameters_answer_validation_exception(body: dict[str, Any], message: str) -> None:
    twin = make_twin()
    assert error_of(twin.call("GetId", body)) == (400, "ValidationException", message)


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2]",
        b"\xff\xfe{}",
        b"[" * 60_000,  # deep nesting: must not blow the parser's recursion limit
        json.dumps({"IdentityPoolId": 42}).encode(),
        json.dumps({"IdentityPoolId": POOL_ID, "Logins": ["x"]}).encode(),
        json.dumps({"IdentityPoolId": POOL_ID, "Logins": {"p": 1}}).encode(),
    ],
)
def test_malformed_bodies_answer_serialization_exception(raw: bytes) -> None:
    twin = make_twin()
    status, code, message = error_of(twin.call("GetId", raw))
    assert (status, code) == (400, "SerializationException")
    assert message


def test_oversized_body_is_refused_not_parsed() -> None:
    twin = make_twin()
    huge = json.dumps({"IdentityPoolId": POOL_ID, "pad": "x" * 70_000}).encode()
    status, code, message = error_of(twin.call("GetId", huge))
    assert (status, code) == (400, "ValidationException")
    assert message is not None and "65536" in message
    assert twin.call("GetId", {"IdentityPoolId": POOL_ID, "pad": "x" * 1000}).status == 200


@pytest.mark.parametrize(
    "target", ["AWSCognitoIdentityService.DeleteIdentityPool", "GetId", "", "Other.GetId"]
)
def test_unknown_targets_answer_unknown_operation_without_a_message(target: str) -> None:
    twin = make_twin()
    response = call_json(twin.service, target, b"{}")
    assert response.status == 400
    assert json.loads(response.body) == {"__type": "UnknownOperationException"}
    assert response.header("x-amzn-ErrorType") == "UnknownOperationException"


def test_empty_body_is_an_empty_request() -> None:
    twin = make_twin()
    assert error_of(twin.call("GetId", b""))[1] == "ValidationException"


# --------------------------------------------------------------------------------------------
# GetCredentialsForIdentity
# --------------------------------------------------------------------------------------------
def test_get_credentials_issues_stored_asia_credentials_for_the_guest_role() -> None:
    twin = make_twin(credential_ttl=timedelta(minutes=7))
    identity = twin.new_identity()
    result = twin.ok("GetCredentialsForIdentity", {"IdentityId": identity})
    assert result["IdentityId"] == identity
    creds = result["Credentials"]
    assert set(creds) == {"AccessKeyId", "SecretKey", "SessionToken", "Expiration"}
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert creds["Expiration"] == int((START + timedelta(minutes=7)).timestamp())
    stored = twin.store.lookup(creds["AccessKeyId"])
    assert stored is not None
    assert stored.secret_access_key == creds["SecretKey"]
    assert stored.session_token == creds["SessionToken"]
    assert stored.role_arn == ROLE_ARN
    assert stored.role_session_name == "CognitoIdentityCredentials"
    assert stored.identity_id == identity and stored.identity_pool_id == POOL_ID
    assert stored.authentication_type == "unauthenticated"
    assert stored.assumed_role_arn == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_ARN.rsplit('/', 1)[1]}/CognitoIdentityCredentials"
    )
    assert stored.caller == "AROAQEXAMPLEGUESTROLE:CognitoIdentityCredentials"


def test_get_credentials_evaluates_trust_with_the_documented_request_context() -> None:
    seen: list[dict[str, Any]] = []

    def recording(policy: Any, **kwargs: Any) -> Decision:
        seen.append({"policy": policy, **kwargs})
        return TRUST(policy, **kwargs)

    twin = make_twin(trust=recording)
    identity = twin.new_identity()
    assert twin.call("GetCredentialsForIdentity", {"IdentityId": identity}).status == 200
    assert seen == [
        {
            "policy": guest_trust(),
            "principal": {"Federated": "cognito-identity.amazonaws.com"},
            "action": "sts:AssumeRoleWithWebIdentity",
            "context": {
                "cognito-identity.amazonaws.com:aud": POOL_ID,
                "cognito-identity.amazonaws.com:amr": ["unauthenticated"],
                "cognito-identity.amazonaws.com:sub": identity,
            },
        }
    ]


def test_unknown_identity() -> None:
    twin = make_twin()
    unknown = "us-east-1:00000000-0000-4000-8000-000000000000"
    assert error_of(twin.call("GetCredentialsForIdentity", {"IdentityId": unknown})) == (
        400,
        "ResourceNotFoundException",
        f"Identity '{unknown}' not found.",
    )


INVALID_CONFIG = (
    400,
    "InvalidIdentityPoolConfigurationException",
    "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
)


@pytest.mark.parametrize(
    ("case", "stack"),
    [
        ("no role attached", make_stack(attach_role=False)),
        ("trust names another pool", make_stack(trust=guest_trust(aud=OTHER_POOL_ID))),
        ("trust amr changed", make_stack(trust=guest_trust(amr="authenticated"))),
        (
            "trust for another action",
            make_stack(
                trust={
                    "Version": "2012-10-17",
                    "Statement": [
                        {**guest_trust()["Statement"][0], "Action": "sts:AssumeRole"},
                    ],
                }
            ),
        ),
        (
            "trust for another federated provider",
            make_stack(
                trust={
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            **guest_trust()["Statement"][0],
                            "Principal": {"Federated": "accounts.google.com"},
                        },
                    ],
                }
            ),
        ),
    ],
)
def test_guest_role_refused_when_the_pool_config_does_not_hold(case: str, stack: Stack) -> None:
    twin = make_twin(stack)
    identity = twin.new_identity()
    response = twin.call("GetCredentialsForIdentity", {"IdentityId": identity})
    assert error_of(response) == INVALID_CONFIG, case
    assert len(twin.store) == 0
    assert "trust policy" in twin.log[-1] or "no usable" in twin.log[-1]


def test_trust_refusal_comes_from_the_trust_evaluation() -> None:
    """Mutation: with trust evaluation removed, the role trusting another pool would be handed out."""
    foreign = make_stack(trust=guest_trust(aud=OTHER_POOL_ID))
    guarded = make_twin(foreign)
    assert (
        error_of(guarded.call("GetCredentialsForIdentity", {"IdentityId": guarded.new_identity()}))
        == INVALID_CONFIG
    )
    unguarded = make_twin(foreign, trust=always_allow)
    response = unguarded.call("GetCredentialsForIdentity", {"IdentityId": unguarded.new_identity()})
    assert response.status == 200
    # And the template's own trust policy passes the real evaluation.
    own = make_twin(make_stack(trust=guest_trust(aud=POOL_ID)))
    assert own.call("GetCredentialsForIdentity", {"IdentityId": own.new_identity()}).status == 200


def test_trust_without_the_amr_condition_still_admits_this_pools_guests() -> None:
    """What real evaluation gives: aud alone admits every identity of the pool, guests included.

    The amr condition narrows the role to guests; dropping it widens, not closes, the door, so the
    twin must not refuse here (refusing would hide the widening from the post-deploy checks).
    """
    statement = guest_trust()["Statement"][0]
    aud_only = {**statement, "Condition": {"StringEquals": statement["Condition"]["StringEquals"]}}
    twin = make_twin(make_stack(trust={"Version": "2012-10-17", "Statement": [aud_only]}))
    assert twin.call("GetCredentialsForIdentity", {"IdentityId": twin.new_identity()}).status == 200


def test_role_attached_but_missing_from_the_stack_is_invalid_config() -> None:
    stack = make_stack()
    stack = replace(stack, models={**stack.models, "roles": {}})
    twin = make_twin(stack)
    response = twin.call("GetCredentialsForIdentity", {"IdentityId": twin.new_identity()})
    assert error_of(response) == INVALID_CONFIG


# --------------------------------------------------------------------------------------------
# GetOpenIdToken (classic flow) and the token itself
# --------------------------------------------------------------------------------------------
def test_get_open_id_token_is_issued_when_the_pool_never_set_classic_flow() -> None:
    unset = make_twin(make_stack(allow_classic_flow=None))
    result = unset.ok("GetOpenIdToken", {"IdentityId": unset.new_identity()})
    assert jwt_payload(result["Token"])["aud"] == POOL_ID


def test_get_open_id_token_refused_when_classic_flow_off_and_issued_when_on() -> None:
    off = make_twin(make_stack(allow_classic_flow=False))
    assert error_of(off.call("GetOpenIdToken", {"IdentityId": off.new_identity()})) == (
        400,
        "InvalidParameterException",
        "Basic (classic) flow is not enabled, please use enhanced flow.",
    )
    on = make_twin(make_stack(allow_classic_flow=True))
    identity = on.new_identity()
    result = on.ok("GetOpenIdToken", {"IdentityId": identity})
    assert result["IdentityId"] == identity
    claims = jwt_payload(result["Token"])
    assert claims["iss"] == "https://cognito-identity.amazonaws.com"
    assert claims["aud"] == POOL_ID
    assert claims["sub"] == identity
    assert claims["amr"] == ["unauthenticated"]
    assert claims["exp"] == int(START.timestamp()) + 600
    verified = on.service.verify_open_id_token(result["Token"])
    assert (verified.audience, verified.subject, verified.amr) == (
        POOL_ID,
        identity,
        ("unauthenticated",),
    )


def _token(twin: Twin) -> str:
    return twin.ok("GetOpenIdToken", {"IdentityId": twin.new_identity()})["Token"]


def _b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_open_id_token_verification_refuses_forgeries_and_expiry() -> None:
    twin = make_twin(make_stack(allow_classic_flow=True))
    token = _token(twin)
    head, body, sig = token.split(".")
    assert (
        twin.service.verify_open_id_token(token).issuer == "https://cognito-identity.amazonaws.com"
    )

    forged_claims = {**jwt_payload(token), "aud": OTHER_POOL_ID}
    with pytest.raises(TokenSignatureError):
        twin.service.verify_open_id_token(f"{head}.{_b64(forged_claims)}.{sig}")
    with pytest.raises(TokenSignatureError):  # "alg": "none" with the signature dropped
        twin.service.verify_open_id_token(f"{_b64({'alg': 'none'})}.{body}.AA")
    other = make_twin(make_stack(allow_classic_flow=True))  # another process's key
    with pytest.raises(TokenSignatureError):
        twin.service.verify_open_id_token(_token(other))
    for garbage in ("", "abc", "a.b", "a.b.c.d", "!!.??.**", f"{head}.bm90IGpzb24.{sig}"):
        with pytest.raises(MalformedTokenError):
            twin.service.verify_open_id_token(garbage)

    twin.clock.advance(timedelta(seconds=599))
    twin.service.verify_open_id_token(token)
    twin.clock.advance(timedelta(seconds=1))
    with pytest.raises(TokenExpiredError) as expired:
        twin.service.verify_open_id_token(token)
    assert expired.value.expires == int(START.timestamp()) + 600


# --------------------------------------------------------------------------------------------
# DescribeIdentityPool, bounded identity store, logging
# --------------------------------------------------------------------------------------------
def developer_call(twin: Twin, stack: Stack, operation: str, body: Mapping[str, Any]) -> Response:
    """`operation` signed by a developer: a role of the account allowed every Cognito action.
    tests/unit/test_cognito_signed_operations.py shows the signature and IAM checks refuse."""
    policy = {"Statement": [{"Effect": "Allow", "Action": "cognito-identity:*", "Resource": "*"}]}
    arn = f"arn:aws:iam::{ACCOUNT}:role/developer"
    role = Role("Developer", arn, "developer", "AROADEVELOPEREXAMPLE1", {}, (policy,))
    stack.roles[arn] = role  # what the service's CallerAuthority reads
    # botocore signs at the wall clock's time, which the authority checks against the twin's.
    twin.clock.now = datetime.now(UTC)
    issued = twin.store.issue(ttl=timedelta(hours=1), role=role, session_name="developer")
    raw = json.dumps(body).encode()
    headers = {"Host": HOST, "Content-Type": JSON_1_1, "X-Amz-Target": TARGET + operation}
    aws = AWSRequest("POST", f"http://{HOST}/", data=raw, headers=headers)
    credentials = Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)
    SigV4Auth(credentials, "cognito-identity", REGION).add_auth(aws)
    signed = tuple(aws.prepare().headers.items())
    return twin.service.handle(Request("POST", "/", "", signed, raw, HOST))


def test_describe_identity_pool_reports_the_flags() -> None:
    stack = make_stack(allow_classic_flow=True)
    twin = make_twin(stack)
    described = developer_call(twin, stack, "DescribeIdentityPool", {"IdentityPoolId": POOL_ID})
    assert described.status == 200, described.body
    assert json.loads(described.body) == {
        "IdentityPoolId": POOL_ID,
        "IdentityPoolName": "guest-api-local-guests",
        "AllowUnauthenticatedIdentities": True,
        "AllowClassicFlow": True,
    }
    other = developer_call(twin, stack, "DescribeIdentityPool", {"IdentityPoolId": OTHER_POOL_ID})
    assert error_of(other)[1] == "ResourceNotFoundException"
    # Unsigned, the same call is refused before the pool is read.
    unsigned = twin.call("DescribeIdentityPool", {"IdentityPoolId": POOL_ID})
    assert error_of(unsigned)[:2] == (400, "MissingAuthenticationTokenException")


def test_identity_store_is_bounded_and_refuses_rather_than_forgets() -> None:
    twin = make_twin(max_identities=3)
    ids = [twin.new_identity() for _ in range(3)]
    refused = twin.call("GetId", {"IdentityPoolId": POOL_ID})
    assert error_of(refused)[:2] == (400, "TooManyRequestsException")
    # Everyone who already had an identity keeps it.
    for kept in ids:
        assert twin.call("GetCredentialsForIdentity", {"IdentityId": kept}).status == 200


def test_a_full_credential_store_is_too_many_requests_for_cognito() -> None:
    twin = make_twin(store_size=2)
    identity = twin.new_identity()
    for _ in range(2):
        assert twin.call("GetCredentialsForIdentity", {"IdentityId": identity}).status == 200
    refused = twin.call("GetCredentialsForIdentity", {"IdentityId": identity})
    assert error_of(refused)[:2] == (400, "TooManyRequestsException")


def test_one_log_line_per_call_without_secrets() -> None:
    twin = make_twin(make_stack(allow_classic_flow=True))
    identity = twin.new_identity()
    creds = twin.ok("GetCredentialsForIdentity", {"IdentityId": identity})["Credentials"]
    token = twin.ok("GetOpenIdToken", {"IdentityId": identity})["Token"]
    twin.call("GetId", {"IdentityPoolId": OTHER_POOL_ID})
    assert len(twin.log) == 4
    assert twin.log[0].startswith("cognito-identity GetId") and identity in twin.log[0]
    assert "GetCredentialsForIdentity" in twin.log[1] and creds["AccessKeyId"] in twin.log[1]
    assert "ResourceNotFoundException" in twin.log[3] and OTHER_POOL_ID in twin.log[3]
    everything = "\n".join(twin.log)
    for secret in (creds["SecretKey"], creds["SessionToken"], token, token.split(".")[2]):
        assert secret not in everything


# --------------------------------------------------------------------------------------------
# Through boto3, answered in-process (botocore's before-send; the real server is server.py)
# --------------------------------------------------------------------------------------------
def boto_client(url: str) -> Any:
    # Cognito's guest calls are unsigned; the dummy keys only stop botocore hunting for credentials.
    return in_process(
        boto3.session.Session().client(
            "cognito-identity",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}),
        )
    )


def test_boto3_get_id_then_get_credentials_for_identity() -> None:
    twin = make_twin()
    with serve_services(twin.service.handle) as url:
        client = boto_client(url)
        identity = client.get_id(IdentityPoolId=POOL_ID)["IdentityId"]
        response = client.get_credentials_for_identity(IdentityId=identity)
    creds = response["Credentials"]
    assert response["IdentityId"] == identity
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert creds["Expiration"] == START + timedelta(hours=1)  # parsed to an aware datetime
    stored = twin.store.lookup(creds["AccessKeyId"])
    assert stored is not None and stored.secret_access_key == creds["SecretKey"]


def _client_error(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response
    return (
        error["Error"]["Code"],
        error["Error"]["Message"],
        error["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_boto3_sees_the_documented_errors() -> None:
    twin = make_twin(make_stack(trust=guest_trust(amr="authenticated")))
    off = make_twin(make_stack(allow_unauthenticated=False))
    with (
        serve_services(twin.service.handle) as url,
        serve_services(off.service.handle) as off_url,
    ):
        client = boto_client(url)
        assert _client_error(lambda: client.get_id(IdentityPoolId=OTHER_POOL_ID)) == (
            "ResourceNotFoundException",
            f"IdentityPool '{OTHER_POOL_ID}' not found.",
            400,
        )
        identity = client.get_id(IdentityPoolId=POOL_ID)["IdentityId"]
        assert _client_error(lambda: client.get_credentials_for_identity(IdentityId=identity)) == (
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            400,
        )
        assert _client_error(lambda: client.get_open_id_token(IdentityId=identity)) == (
            "InvalidParameterException",
            "Basic (classic) flow is not enabled, please use enhanced flow.",
            400,
        )
        missing = "us-east-1:00000000-0000-4000-8000-000000000000"
        assert _client_error(lambda: client.get_credentials_for_identity(IdentityId=missing)) == (
            "ResourceNotFoundException",
            f"Identity '{missing}' not found.",
            400,
        )
        assert _client_error(lambda: boto_client(off_url).get_id(IdentityPoolId=POOL_ID)) == (
            "NotAuthorizedException",
            "Unauthenticated access is not supported for this identity pool.",
            400,
        )
