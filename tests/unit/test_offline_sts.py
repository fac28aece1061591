"""STS AssumeRoleWithWebIdentity twin (classic flow): direct calls, then boto3's unmodified sts client.

Fixtures (stack shapes, clock, trust evaluators, HTTP harness) come from test_offline_cognito so
both halves of the flow are built from the same template shapes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from _botocore_in_process import in_process, serve_services
from botocore.config import Config
from botocore.exceptions import ClientError
from test_offline_cognito import (
    ACCOUNT,
    OTHER_POOL_ID,
    POOL_ID,
    REGION,
    ROLE_ARN,
    START,
    TARGET,
    TRUST,
    FakeClock,
    always_allow,
    boto_client,
    guest_trust,
    make_stack,
)

from _service_calls import call_form, call_json
from guestapi.offline.cognito import CognitoIdentityService
from guestapi.offline.cognito.model import IdentityPool
from guestapi.offline.credentials import CredentialStore
from guestapi.offline.iam import Role
from guestapi.offline.iam.callers import CallerAuthority
from guestapi.offline.stack import Stack
from guestapi.offline.sts import StsService
from guestapi.offline.wire import Response

NS = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
ROLE_NAME = ROLE_ARN.rsplit("/", 1)[1]


@dataclass
class Twin:
    cognito: CognitoIdentityService
    sts: StsService
    store: CredentialStore
    clock: FakeClock
    log: list[str]

    def cognito_ok(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        response = call_json(self.cognito, TARGET + operation, json.dumps(body).encode())
        assert response.status == 200, response.body
        return json.loads(response.body)

    def token(self, pool_id: str = POOL_ID) -> tuple[str, str]:
        identity = self.cognito_ok("GetId", {"IdentityPoolId": pool_id})["IdentityId"]
        return identity, self.cognito_ok("GetOpenIdToken", {"IdentityId": identity})["Token"]

    def assume(self, token: str, **overrides: str) -> Response:
        params = {
            "Action": "AssumeRoleWithWebIdentity",
            "Version": "2011-06-15",
            "RoleArn": ROLE_ARN,
            "RoleSessionName": "web-guest",
            "WebIdentityToken": token,
            **overrides,
        }
        return call_form(
            self.sts, urlencode({k: v for k, v in params.items() if v is not None}).encode()
        )


def make_twin(stack: Stack | None = None, *, trust: Callable[..., Any] = TRUST) -> Twin:
    stack = stack or make_stack(allow_classic_flow=True)
    clock = FakeClock()
    store = CredentialStore(clock=clock)
    log: list[str] = []
    authority = CallerAuthority(region=stack.region, store=store, roles=stack.roles, clock=clock)
    cognito = CognitoIdentityService(
        stack, store, clock=clock, trust_evaluator=trust, authority=authority
    )
    sts = StsService(stack, store, cognito, clock=clock, trust_evaluator=trust)
    cognito._log = sts._log = log.append  # type: ignore[method-assign]
    return Twin(cognito, sts, store, clock, log)


def sts_error(response: Response) -> tuple[int, str, str]:
    root = ET.fromstring(response.body)
    assert root.tag == "{https://sts.amazonaws.com/doc/2011-06-15/}ErrorResponse"
    assert root.findtext("sts:Error/sts:Type", namespaces=NS) == "Sender"
    assert root.findtext("sts:RequestId", namespaces=NS) == response.header("x-amzn-RequestId")
    assert response.header("Content-Type") == "text/xml"
    code = root.findtext("sts:Error/sts:Code", namespaces=NS)
    message = root.findtext("sts:Error/sts:Message", namespaces=NS)
    assert code is not None and message is not None
    return response.status, code, message


ACCESS_DENIED = (403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")


# --------------------------------------------------------------------------------------------
# Direct calls
# --------------------------------------------------------------------------------------------
def test_assume_role_with_a_cognito_token_returns_the_documented_xml() -> None:
    twin = make_twin()
    identity, token = twin.token()
    response = twin.assume(token, DurationSeconds="900")
    assert response.status == 200, response.body
    root = ET.fromstring(response.body)
    assert (
        root.tag == "{https://sts.amazonaws.com/doc/2011-06-15/}AssumeRoleWithWebIdentityResponse"
    )
    result = root.find("sts:AssumeRoleWithWebIdentityResult", NS)
    assert result is not None

    def text(path: str) -> str | None:
        return result.findtext(path, namespaces=NS)

    assert text("sts:SubjectFromWebIdentityToken") == identity
    assert text("sts:Audience") == POOL_ID
    assert text("sts:Provider") == "https://cognito-identity.amazonaws.com"
    assert text("sts:AssumedRoleUser/sts:Arn") == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/web-guest"
    )
    assert text("sts:AssumedRoleUser/sts:AssumedRoleId") == "AROAQEXAMPLEGUESTROLE:web-guest"
    assert text("sts:Credentials/sts:Expiration") == "2026-11-26T10:15:00Z"
    key = text("sts:Credentials/sts:AccessKeyId")
    assert key is not None and key.startswith("ASIA")
    stored = twin.store.lookup(key)
    assert stored is not None
    assert stored.secret_access_key == text("sts:Credentials/sts:SecretAccessKey")
    assert stored.session_token == text("sts:Credentials/sts:SessionToken")
    assert (stored.role_session_name, stored.identity_id, stored.identity_pool_id) == (
        "web-guest",
        identity,
        POOL_ID,
    )
    assert stored.authentication_type == "unauthenticated"
    assert root.findtext("sts:ResponseMetadata/sts:RequestId", namespaces=NS) == response.header(
        "x-amzn-RequestId"
    )


def test_default_duration_is_one_hour() -> None:
    twin = make_twin()
    _, token = twin.token()
    root = ET.fromstring(twin.assume(token).body)
    expiration = root.findtext(
        "sts:AssumeRoleWithWebIdentityResult/sts:Credentials/sts:Expiration", namespaces=NS
    )
    assert expiration == "2026-11-26T11:00:00Z"


def test_classic_flow_off_leaves_no_token_for_sts_and_on_completes_the_flow() -> None:
    off = make_twin(make_stack(allow_classic_flow=False))
    identity = off.cognito_ok("GetId", {"IdentityPoolId": POOL_ID})["IdentityId"]
    refused = call_json(
        off.cognito, TARGET + "GetOpenIdToken", json.dumps({"IdentityId": identity}).encode()
    )
    assert json.loads(refused.body)["__type"] == "InvalidParameterException"
    # A token from another twin (e.g. one where the flow is on) is not this twin's token.
    _, foreign_token = make_twin(make_stack(allow_classic_flow=True)).token()
    assert sts_error(off.assume(foreign_token))[:2] == (400, "InvalidIdentityToken")
    on = make_twin(make_stack(allow_classic_flow=True))
    assert on.assume(on.token()[1]).status == 200


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30"])
def test_garbage_tokens_are_not_valid_jwts(garbage: str) -> None:
    twin = make_twin()
    assert sts_error(twin.assume(garbage)) == (
        400,
        "InvalidIdentityToken",
        "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
    )


def test_tampered_token_is_refused_and_its_text_never_echoed() -> None:
    twin = make_twin()
    _, token = twin.token()
    head, body, sig = token.split(".")
    tampered = f"{head}.{body}.{sig[:-2]}AA"
    response = twin.assume(tampered)
    status, code, message = sts_error(response)
    assert (status, code) == (400, "InvalidIdentityToken")
    assert "could not be validated" in message
    assert sig not in response.body.decode()
    assert all(sig not in line and token not in line for line in twin.log)


def test_expired_token() -> None:
    twin = make_twin()
    _, token = twin.token()
    twin.clock.advance(timedelta(minutes=10, seconds=5))
    exp = int(START.timestamp()) + 600
    assert sts_error(twin.assume(token)) == (
        400,
        "ExpiredTokenException",
        f"Token expired: current date/time {exp + 5} must be before the expiration date/time {exp}",
    )


def test_trust_policy_for_another_pool_is_refused_unless_trust_is_not_checked() -> None:
    stack = make_stack(allow_classic_flow=True, trust=guest_trust(aud=OTHER_POOL_ID))
    guarded = make_twin(stack)
    assert sts_error(guarded.assume(guarded.token()[1])) == ACCESS_DENIED
    assert "trust policy refused" in guarded.log[-1]
    unguarded = make_twin(stack, trust=always_allow)  # mutation: trust evaluation removed
    assert unguarded.assume(unguarded.token()[1]).status == 200


def test_trust_amr_changed_is_refused() -> None:
    twin = make_twin(make_stack(allow_classic_flow=True, trust=guest_trust(amr="authenticated")))
    assert sts_error(twin.assume(twin.token()[1])) == ACCESS_DENIED


def test_a_token_of_one_pool_cannot_assume_the_role_of_another() -> None:
    """Two pools in one stack; each role trusts only its own pool (the aud condition's purpose)."""
    base = make_stack(allow_classic_flow=True)
    other_role_arn = f"arn:aws:iam::{ACCOUNT}:role/other-GuestRole"
    other_role = Role(
        logical_id="OtherRole",
        arn=other_role_arn,
        name="other-GuestRole",
        role_id="AROAQEXAMPLEOTHERROLE",
        assume_role_policy=guest_trust(aud=OTHER_POOL_ID),
    )
    other_pool = IdentityPool(
        logical_id="OtherPool",
        pool_id=OTHER_POOL_ID,
        name="other",
        allow_unauthenticated=True,
        allow_classic_flow=True,
        roles={"unauthenticated": other_role_arn},
    )
    models = {
        **base.models,
        "identity_pools": {**base.identity_pools, OTHER_POOL_ID: other_pool},
        "roles": {**base.roles, other_role_arn: other_role},
    }
    stack = replace(base, models=models)
    twin = make_twin(stack)
    _, token_a = twin.token(POOL_ID)
    _, token_b = twin.token(OTHER_POOL_ID)
    assert sts_error(twin.assume(token_a, RoleArn=other_role_arn)) == ACCESS_DENIED
    assert sts_error(twin.assume(token_b, RoleArn=ROLE_ARN)) == ACCESS_DENIED
    assert twin.assume(token_a, RoleArn=ROLE_ARN).status == 200
    assert twin.assume(token_b, RoleArn=other_role_arn).status == 200


def test_unknown_role_is_access_denied() -> None:
    twin = make_twin()
    _, token = twin.token()
    assert (
        sts_error(twin.assume(token, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/nope")) == ACCESS_DENIED
    )


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        (
            "899",
            "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value greater than or equal to 900",
        ),
        (
            "43201",
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value less than or equal to 43200",
        ),
        ("3601", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."),
        (
            "soon",
            "1 validation error detected: Value 'soon' at 'durationSeconds' failed to satisfy "
            "constraint: Member must be an integer",
        ),
    ],
)
def test_duration_outside_900_to_role_maximum_is_a_validation_error(
    duration: str, message: str
) -> None:
    twin = make_twin()
    _, token = twin.token()
    assert sts_error(twin.assume(token, DurationSeconds=duration)) == (
        400,
        "ValidationError",
        message,
    )
    assert twin.assume(token, DurationSeconds="3600").status == 200


def test_missing_and_malformed_parameters() -> None:
    twin = make_twin()
    _, token = twin.token()
    status, code, message = sts_error(
        twin.assume(token, RoleArn=None, RoleSessionName="bad name!", WebIdentityToken=None)  # type: ignore[arg-type]
    )
    assert (status, code) == (400, "ValidationError")
    assert message.startswith("3 validation errors detected: ")
    assert (
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null" in message
    )
    assert (
        "at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular" in message
    )
    assert "Value null at 'webIdentityToken'" in message


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"Action=AssumeRole&Version=2011-06-15", "InvalidAction"),
        (b"Action=AssumeRoleWithWebIdentity&Version=2099-01-01", "InvalidAction"),
        (b"Version=2011-06-15", "InvalidAction"),
        (b"Action=AssumeRoleWithWebIdentity&\xff\xfe", "ValidationError"),
        (b"a=1&" * 60, "ValidationError"),
        (b"Action=AssumeRoleWithWebIdentity&pad=" + b"x" * 70_000, "ValidationError"),
    ],
)
def test_bad_requests_answer_xml_errors_not_crashes(body: bytes, code: str) -> None:
    twin = make_twin()
    assert sts_error(call_form(twin.sts, body))[:2] == (400, code)


# --------------------------------------------------------------------------------------------
# Through boto3, answered in-process (the server's dispatch: X-Amz-Target -> Cognito, form posts -> STS)
# --------------------------------------------------------------------------------------------
def sts_client(url: str) -> Any:
    return in_process(
        boto3.session.Session().client(
            "sts",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}),
        )
    )


def test_boto3_classic_flow_works_when_on() -> None:
    twin = make_twin(make_stack(allow_classic_flow=True))
    with serve_services(twin.cognito.handle, twin.sts.handle) as url:
        cognito = boto_client(url)
        identity = cognito.get_id(IdentityPoolId=POOL_ID)["IdentityId"]
        token = cognito.get_open_id_token(IdentityId=identity)["Token"]
        response = sts_client(url).assume_role_with_web_identity(
            RoleArn=ROLE_ARN,
            RoleSessionName="boto3-guest",
            WebIdentityToken=token,
            DurationSeconds=1800,
        )
    creds = response["Credentials"]
    assert creds["Expiration"] == START + timedelta(seconds=1800)
    assert response["SubjectFromWebIdentityToken"] == identity
    assert response["Audience"] == POOL_ID
    assert response["AssumedRoleUser"]["Arn"].endswith(f"assumed-role/{ROLE_NAME}/boto3-guest")
    stored = twin.store.lookup(creds["AccessKeyId"])
    assert stored is not None and stored.session_token == creds["SessionToken"]


def test_boto3_classic_flow_refused_when_off_and_sts_errors_parse() -> None:
    off = make_twin(make_stack(allow_classic_flow=False))
    on = make_twin(make_stack(allow_classic_flow=True, trust=guest_trust(aud=OTHER_POOL_ID)))
    with (
        serve_services(off.cognito.handle, off.sts.handle) as off_url,
        serve_services(on.cognito.handle, on.sts.handle) as on_url,
    ):
        cognito = boto_client(off_url)
        identity = cognito.get_id(IdentityPoolId=POOL_ID)["IdentityId"]
        with pytest.raises(ClientError) as refused:
            cognito.get_open_id_token(IdentityId=identity)
        assert refused.value.response["Error"] == {
            "Code": "InvalidParameterException",
            "Message": "Basic (classic) flow is not enabled, please use enhanced flow.",
        }

        on_cognito = boto_client(on_url)
        on_identity = on_cognito.get_id(IdentityPoolId=POOL_ID)["IdentityId"]
        token = on_cognito.get_open_id_token(IdentityId=on_identity)["Token"]
        sts = sts_client(on_url)
        with pytest.raises(ClientError) as denied:
            sts.assume_role_with_web_identity(
                RoleArn=ROLE_ARN, RoleSessionName="boto3-guest", WebIdentityToken=token
            )
        error = denied.value.response
        assert error["Error"]["Code"] == "AccessDenied"
        assert (
            error["Error"]["Message"] == "Not authorized to perform sts:AssumeRoleWithWebIdentity"
        )
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
        with pytest.raises(ClientError) as invalid:
            sts.assume_role_with_web_identity(
                RoleArn=ROLE_ARN, RoleSessionName="boto3-guest", WebIdentityToken="not-a-jwt"
            )
        assert invalid.value.response["Error"]["Code"] == "InvalidIdentityToken"


# --------------------------------------------------------------------------------------------
# The project's own template.yaml, deployed by deploy.load_stack: both flows end to end
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def template_stacks(template_path: Any) -> dict[str, Stack]:
    from guestapi.offline.cfn.engine import load_stack

    return {
        flag: load_stack(template_path, overrides={"AllowClassicFlow": flag}, warn=lambda _: None)
        for flag in ("false", "true")
    }


def test_template_default_serves_the_enhanced_flow_and_refuses_the_classic_one(
    template_stacks: dict[str, Stack],
) -> None:
    stack = template_stacks["false"]
    (pool_id,) = stack.identity_pools
    twin = make_twin(stack)
    identity = twin.cognito_ok("GetId", {"IdentityPoolId": pool_id})["IdentityId"]
    creds = twin.cognito_ok("GetCredentialsForIdentity", {"IdentityId": identity})["Credentials"]
    stored = twin.store.lookup(creds["AccessKeyId"])
    assert stored is not None and stored.role_arn == stack.outputs["GuestRoleArn"]
    refused = call_json(
        twin.cognito, TARGET + "GetOpenIdToken", json.dumps({"IdentityId": identity}).encode()
    )
    assert (
        json.loads(refused.body)["message"]
        == "Basic (classic) flow is not enabled, please use enhanced flow."
    )


def test_template_with_classic_flow_on_serves_assume_role_with_web_identity(
    template_stacks: dict[str, Stack],
) -> None:
    stack = template_stacks["true"]
    (pool_id,) = stack.identity_pools
    twin = make_twin(stack)
    identity = twin.cognito_ok("GetId", {"IdentityPoolId": pool_id})["IdentityId"]
    token = twin.cognito_ok("GetOpenIdToken", {"IdentityId": identity})["Token"]
    response = twin.assume(token, RoleArn=stack.outputs["GuestRoleArn"])
    assert response.status == 200, response.body
    # And the template's trust policy refuses a token of a pool it does not name.
    foreign = make_twin(make_stack(allow_classic_flow=True))
    _, foreign_token = foreign.token()
    other = StsService(stack, twin.store, foreign.cognito, clock=twin.clock, trust_evaluator=TRUST)
    body = urlencode(
        {
            "Action": "AssumeRoleWithWebIdentity",
            "Version": "2011-06-15",
            "RoleArn": stack.outputs["GuestRoleArn"],
            "RoleSessionName": "x-pool",
            "WebIdentityToken": foreign_token,
        }
    ).encode()
    assert sts_error(call_form(other, body)) == ACCESS_DENIED
