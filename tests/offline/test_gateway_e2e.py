"""The offline stack answers like API Gateway + Cognito, driven by real SDKs over HTTP.

Each refusal is paired with the request that gets through, so every check shows it can fail.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore
import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

from guestapi.offline.launch import build, running, serve

pytestmark = pytest.mark.offline

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


def guest_credentials(outputs: dict[str, str]) -> tuple[str, Credentials]:
    cognito = boto3.client(
        "cognito-identity",
        region_name=outputs["Region"],
        endpoint_url=outputs["CognitoIdentityEndpoint"],
        config=botocore.config.Config(signature_version=botocore.UNSIGNED),
    )
    identity_id = cognito.get_id(IdentityPoolId=outputs["IdentityPoolId"])["IdentityId"]
    creds = cognito.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
    return identity_id, Credentials(creds["AccessKeyId"], creds["SecretKey"], creds["SessionToken"])


def aws4auth(creds: Credentials, region: str = "us-east-1") -> AWS4Auth:
    return AWS4Auth(
        creds.access_key, creds.secret_key, region, "execute-api", session_token=creds.token
    )


@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, str]]:
    with serve(TEMPLATE) as outputs:
        yield outputs


@pytest.fixture(scope="module")
def guest(stack: dict[str, str]) -> tuple[str, Credentials]:
    return guest_credentials(stack)


def assert_error(resp: requests.Response, status: int, error_type: str, message: str) -> None:
    assert resp.status_code == status, resp.text
    assert resp.headers["x-amzn-ErrorType"] == error_type
    assert resp.headers["x-amzn-RequestId"]
    body = resp.json()
    assert body.get("message", body.get("Message")) == message


def test_signed_guest_call_is_answered_with_its_identity(stack, guest) -> None:
    identity_id, creds = guest
    resp = requests.get(f"{stack['ApiUrl']}/demo", auth=aws4auth(creds), timeout=5)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["identityId"] == identity_id
    assert body["authenticationType"] == "unauthenticated"
    assert body["requestId"] == resp.headers["x-amzn-RequestId"]
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Content-Type"] == "application/json"
    assert "Date" in resp.headers


def test_unsigned_call_is_missing_authentication_token_with_cors(stack) -> None:
    resp = requests.get(f"{stack['ApiUrl']}/demo", timeout=5)
    assert_error(resp, 403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    # DEFAULT_4XX carries CORS, so a browser can read this 403.
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/demo/x", "/other", "/"])
def test_unknown_path_is_missing_authentication_token_even_when_signed(stack, guest, path) -> None:
    resp = requests.get(f"{stack['ApiUrl']}{path}", auth=aws4auth(guest[1]), timeout=5)
    assert_error(resp, 403, "MissingAuthenticationTokenException", "Missing Authentication Token")


def test_unknown_method_is_missing_authentication_token(stack, guest) -> None:
    resp = requests.post(f"{stack['ApiUrl']}/demo", auth=aws4auth(guest[1]), timeout=5)
    assert_error(resp, 403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    # The stage alone is no resource, on AWS too.
    resp = requests.get(stack["ApiUrl"], auth=aws4auth(guest[1]), timeout=5)
    assert_error(resp, 403, "MissingAuthenticationTokenException", "Missing Authentication Token")


def test_a_malformed_authorization_on_an_unknown_route_is_incomplete_signature(stack) -> None:
    # API Gateway reads the header even where no method exists (a public capture: a GET-only
    # endpoint called with POST and a bearer token answered this).
    resp = requests.post(
        f"{stack['ApiUrl']}/demo", headers={"Authorization": "Bearer abc.def.ghi"}, timeout=5
    )
    assert resp.status_code == 403
    assert resp.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"
    assert resp.json()["message"].startswith("Invalid key=value pair (missing equal-sign)")
    assert "abc.def.ghi" not in resp.text
    # The control: a well-formed (if unverifiable) header there is a missing token.
    resp = requests.post(
        f"{stack['ApiUrl']}/demo",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=ASIAX/20260101/us-east-1/execute-api/"
            "aws4_request, SignedHeaders=host, Signature=00",
            "X-Amz-Date": "20260101T000000Z",
        },
        timeout=5,
    )
    assert resp.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


@pytest.mark.parametrize("stage", ["prod", "DEV"])
def test_unknown_stage_is_forbidden_without_the_apis_gateway_responses(stack, guest, stage) -> None:
    base = stack["ApiUrl"].rsplit("/", 1)[0]
    resp = requests.get(f"{base}/{stage}/demo", auth=aws4auth(guest[1]), timeout=5)
    assert (resp.status_code, resp.json()) == (403, {"message": "Forbidden"})
    # No deployment answers, so DEFAULT_4XX's CORS headers do not apply either.
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_preflight_needs_no_signature_and_allows_the_sigv4_headers(stack) -> None:
    resp = requests.options(
        f"{stack['ApiUrl']}/demo",
        headers={
            "Origin": "http://localhost:8080",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,x-amz-date,x-amz-security-token",
        },
        timeout=5,
    )
    assert resp.status_code == 200
    allowed = {h.strip().lower() for h in resp.headers["Access-Control-Allow-Headers"].split(",")}
    assert {
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
        "content-type",
    } <= allowed
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in resp.headers["Access-Control-Allow-Methods"]


def test_tampered_signature_is_invalid_signature(stack, guest) -> None:
    creds = guest[1]
    req = requests.Request("GET", f"{stack['ApiUrl']}/demo", auth=aws4auth(creds)).prepare()
    auth = req.headers["Authorization"]
    flipped = auth[:-1] + ("0" if auth[-1] != "0" else "1")
    req.headers["Authorization"] = flipped
    resp = requests.Session().send(req, timeout=5)
    assert resp.status_code == 403
    assert resp.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert resp.json()["message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    # The untampered twin of that request gets through.
    req.headers["Authorization"] = auth
    assert requests.Session().send(req, timeout=5).status_code == 200


def test_unknown_key_and_foreign_token_are_unrecognized(stack, guest) -> None:
    creds = guest[1]
    fake = Credentials("ASIAFAKEFAKEFAKEFAKE", creds.secret_key, creds.token)
    resp = requests.get(f"{stack['ApiUrl']}/demo", auth=aws4auth(fake), timeout=5)
    assert_error(
        resp,
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
    _, other = guest_credentials(stack)
    mixed = Credentials(creds.access_key, creds.secret_key, other.token)
    resp = requests.get(f"{stack['ApiUrl']}/demo", auth=aws4auth(mixed), timeout=5)
    assert_error(
        resp,
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


def test_the_unknown_key_error_type_is_configurable() -> None:
    # Unsettled on AWS (docs/aws-behaviour.md#sigv4-refusals): the other documented answer.
    offline = build(TEMPLATE, unknown_key_error_type="AccessDeniedException")
    with running(offline) as outputs:
        _, creds = guest_credentials(outputs)
        fake = Credentials("ASIAFAKEFAKEFAKEFAKE", creds.secret_key, creds.token)
        resp = requests.get(f"{outputs['ApiUrl']}/demo", auth=aws4auth(fake), timeout=5)
    assert_error(
        resp, 403, "AccessDeniedException", "The security token included in the request is invalid."
    )


def test_signed_for_another_region_is_refused(stack, guest) -> None:
    resp = requests.get(f"{stack['ApiUrl']}/demo", auth=aws4auth(guest[1], "eu-west-1"), timeout=5)
    assert_error(
        resp, 403, "InvalidSignatureException", "Credential should be scoped to a valid region. "
    )


def test_presigned_url_is_accepted_and_its_tampered_twin_refused(stack, guest) -> None:
    creds = guest[1]
    request = AWSRequest(method="GET", url=f"{stack['ApiUrl']}/demo")
    SigV4QueryAuth(creds, "execute-api", "us-east-1", expires=60).add_auth(request)
    assert requests.get(request.url, timeout=5).status_code == 200
    tampered = request.url.replace("/demo?", "/demo?extra=1&", 1)
    resp = requests.get(tampered, timeout=5)
    assert resp.status_code == 403
    assert resp.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_body_hash_header_must_match_the_body(stack, guest) -> None:
    creds = guest[1]
    url = f"{stack['ApiUrl']}/demo"
    request = AWSRequest(
        method="GET", url=url, data=b"", headers={"X-Amz-Content-Sha256": "0" * 64}
    )
    SigV4Auth(creds, "execute-api", "us-east-1").add_auth(request)
    resp = requests.get(url, headers=dict(request.headers), timeout=5)
    assert resp.status_code == 403
    assert resp.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_signature_from_ten_minutes_ago_is_expired(guest) -> None:
    from datetime import UTC, datetime, timedelta

    with serve(TEMPLATE, clock=lambda: datetime.now(UTC) + timedelta(minutes=10)) as outputs:
        _, creds = guest_credentials(outputs)
        resp = requests.get(f"{outputs['ApiUrl']}/demo", auth=aws4auth(creds), timeout=5)
    assert resp.status_code == 403
    assert resp.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert resp.json()["message"].startswith("Signature expired: ")
    assert resp.json()["message"].endswith(" - 5 min.)")


def test_expired_credentials_are_expired_token() -> None:
    with serve(TEMPLATE, credential_ttl=1) as outputs:
        _, creds = guest_credentials(outputs)
        url = f"{outputs['ApiUrl']}/demo"
        assert requests.get(url, auth=aws4auth(creds), timeout=5).status_code == 200
        time.sleep(1.2)
        resp = requests.get(url, auth=aws4auth(creds), timeout=5)
    assert_error(
        resp, 403, "ExpiredTokenException", "The security token included in the request is expired"
    )


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = TEMPLATE.read_text()
    assert old in text, f"template no longer contains {old!r}"
    path = tmp_path / "template.yaml"
    path.write_text(text.replace(old, new))
    return path


POLICY_RESOURCE = '${AWS::AccountId}:${Api}/${StageName}/GET/demo"'


def test_guest_policy_decides_access_denied_message(tmp_path) -> None:
    variant = _variant(
        tmp_path, POLICY_RESOURCE, '${AWS::AccountId}:${Api}/${StageName}/POST/demo"'
    )
    with serve(variant) as outputs:
        _, creds = guest_credentials(outputs)
        resp = requests.get(f"{outputs['ApiUrl']}/demo", auth=aws4auth(creds), timeout=5)
    assert resp.status_code == 403
    assert resp.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    message = resp.json()["Message"]
    assert message.startswith("User: arn:aws:sts::123456789012:assumed-role/")
    assert message.endswith(
        "/dev/GET/demo because no identity-based policy allows the execute-api:Invoke action"
    )
    # The account is masked but for its last 4 digits, as in AWS's current answers.
    assert (
        "/CognitoIdentityCredentials is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:"
        in message
    )
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_explicit_deny_is_named(tmp_path) -> None:
    deny = (
        POLICY_RESOURCE
        + "\n              - Effect: Deny\n                Action: execute-api:Invoke\n"
        + '                Resource: "*"'
    )
    with serve(_variant(tmp_path, POLICY_RESOURCE, deny)) as outputs:
        _, creds = guest_credentials(outputs)
        resp = requests.get(f"{outputs['ApiUrl']}/demo", auth=aws4auth(creds), timeout=5)
    assert resp.status_code == 403
    assert resp.json()["Message"].endswith(" with an explicit deny")


def test_without_aws_iam_the_unsigned_call_gets_through(tmp_path) -> None:
    # The bite of test_unsigned_call_is_missing_authentication_token_with_cors.
    variant = _variant(tmp_path, "DefaultAuthorizer: AWS_IAM", "DefaultAuthorizer: NONE")
    with serve(variant) as outputs:
        resp = requests.get(f"{outputs['ApiUrl']}/demo", timeout=5)
    assert resp.status_code == 200
    assert resp.json()["identityId"] == ""


def test_stage_throttling_answers_429(guest) -> None:
    overrides = {"ThrottlingRateLimit": "1", "ThrottlingBurstLimit": "2"}
    with serve(TEMPLATE, overrides=overrides) as outputs:
        _, creds = guest_credentials(outputs)
        session = requests.Session()
        statuses = [
            session.get(f"{outputs['ApiUrl']}/demo", auth=aws4auth(creds), timeout=5)
            for _ in range(4)
        ]
    assert [r.status_code for r in statuses[:2]] == [200, 200]
    assert statuses[-1].status_code == 429
    assert_error(statuses[-1], 429, "TooManyRequestsException", "Too Many Requests")


def test_request_log_names_the_caller_and_never_the_secrets(stack, guest, caplog) -> None:
    identity_id, creds = guest
    with caplog.at_level(logging.INFO, logger="guestapi.offline"):
        requests.get(f"{stack['ApiUrl']}/demo", auth=aws4auth(creds), timeout=5)
        requests.get(f"{stack['ApiUrl']}/demo", timeout=5)
        request = AWSRequest(method="GET", url=f"{stack['ApiUrl']}/demo")
        SigV4QueryAuth(creds, "execute-api", "us-east-1", expires=60).add_auth(request)
        requests.get(request.url, timeout=5)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert f"GET /dev/demo 200 caller={identity_id}" in text
    assert (
        "403 caller=- error=MissingAuthenticationTokenException reason='no SigV4 signature'" in text
    )
    for secret in (creds.secret_key, creds.token, "X-Amz-Signature", "Signature="):
        assert secret not in text


def test_cognito_endpoint_answers_browser_preflight(stack) -> None:
    resp = requests.options(
        stack["CognitoIdentityEndpoint"],
        headers={
            "Origin": "http://localhost:8080",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent",
        },
        timeout=5,
    )
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "x-amz-target" in resp.headers["Access-Control-Allow-Headers"]


def test_outputs_point_at_this_server(stack) -> None:
    assert stack["ApiUrl"].startswith("http://127.0.0.1:")
    assert stack["ApiUrl"].endswith("/dev")
    assert stack["IdentityPoolId"].startswith("us-east-1:")
    assert stack["GuestRoleArn"].startswith("arn:aws:iam::123456789012:role/")
    assert stack["Region"] == "us-east-1"
    assert json.dumps(stack)  # plain strings only


def test_a_failing_mapping_template_is_a_500_configuration_error(tmp_path) -> None:
    variant = _variant(
        tmp_path,
        '"requestId": "$context.requestId"',
        '"requestId": "$context.requestId", "bad": "$util.parseJson(\'not json\')"',
    )
    with serve(variant) as outputs:
        _, creds = guest_credentials(outputs)
        resp = requests.get(f"{outputs['ApiUrl']}/demo", auth=aws4auth(creds), timeout=5)
        after = requests.get(f"{outputs['ApiUrl']}/demo", timeout=5)
    assert_error(resp, 500, "InternalServerErrorException", "Internal server error")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"  # DEFAULT_5XX carries CORS
    assert after.status_code == 403  # the server is still answering


def test_a_template_that_reads_input_sees_the_query(tmp_path) -> None:
    # The gateway parses the request only for templates that read it; this one does.
    variant = _variant(
        tmp_path,
        """application/json: '{"statusCode": 200}'""",
        """application/json: '{"statusCode": $input.params("code")}'""",
    )
    with serve(variant) as outputs:
        _, creds = guest_credentials(outputs)
        ok = requests.get(f"{outputs['ApiUrl']}/demo?code=200", auth=aws4auth(creds), timeout=5)
        bad = requests.get(f"{outputs['ApiUrl']}/demo?code=x", auth=aws4auth(creds), timeout=5)
    assert ok.status_code == 200, ok.text
    assert_error(bad, 500, "InternalServerErrorException", "Internal server error")
