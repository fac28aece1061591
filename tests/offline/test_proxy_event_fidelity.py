"""What a Lambda proxy handler reads, field by field as API Gateway fills it
(docs/aws-behaviour.md#proxy-event): header names as the client sent them, binaryMediaTypes for
bodies both ways, the caller's Cognito provider, and every documented identity field."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _http_guest import connect, send, serving, signed
from test_lambda_proxy import OK, RecordingInvoker, answered, gateway_for

from _offline_guest import Guest
from _service_calls import call_json
from _template_variants import write_variant
from guestapi.offline import server
from guestapi.offline.apigateway.export import openapi_export
from guestapi.offline.launch import OfflineStack, build
from guestapi.offline.wire import Request

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "lambda_routes" / "template.yaml"
WIDEN = ("${Api}/dev/GET/*", "${Api}/dev/*/*")  # lets the guest POST /items/{id} too
BINARY_TYPES = (
    "        InvokeRole: NONE\n",
    "        InvokeRole: NONE\n      BinaryMediaTypes: [image~1png, application~1*]\n",
)
PNG = b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary"


def variant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    return write_variant(TEMPLATE, tmp_path, *edits, alongside=["src"])


@pytest.fixture(scope="module")
def plain() -> Iterator[OfflineStack]:
    stack = build(TEMPLATE)
    yield stack
    stack.close()


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineStack]:
    stack = build(variant(tmp_path_factory.mktemp("binary"), WIDEN, BINARY_TYPES))
    yield stack
    stack.close()


def with_headers(request: Request, *headers: tuple[str, str]) -> Request:
    """`request` with unsigned headers added (SigV4 covers only the headers it signed)."""
    return replace(request, headers=(*request.headers, *headers))


def event_of(offline: OfflineStack, request: Request) -> dict[str, Any]:
    invoker = RecordingInvoker(OK)
    response = gateway_for(offline, invoker).handle(request)
    assert response.status == 200, response.body
    [(_, event)] = invoker.events
    return event


# ------------------------------------------------------------------ header names
def header_events(offline: OfflineStack) -> dict[str, Any]:
    """The event of one GET over HTTP with headers that differ only in case."""
    invoker = RecordingInvoker(OK)
    guest = Guest(offline)
    with serving(offline, gateway_for(offline, invoker)) as api:
        connection = connect(api)
        try:
            target, headers = signed(guest, api + "/whoami")
            extra = [("X-Case", "upper"), ("x-case", "lower"), ("X-Mixed-Case-Name", "v")]
            response = send(connection, "GET", target, [*headers, *extra])
            assert response.status == 200, response.read()
        finally:
            connection.close()
    [(_, event)] = invoker.events
    return event


def test_header_names_keep_the_callers_case_and_case_variants_stay_apart(
    plain: OfflineStack,
) -> None:
    event = header_events(plain)
    headers, multi = event["headers"], event["multiValueHeaders"]
    assert (headers["X-Case"], headers["x-case"]) == ("upper", "lower")
    assert (multi["X-Case"], multi["x-case"]) == (["upper"], ["lower"])
    assert headers["X-Mixed-Case-Name"] == "v" and "x-mixed-case-name" not in headers
    assert headers["X-Amz-Date"] and "x-amz-date" not in headers  # botocore's own case


def test_with_asgis_lower_cased_names_the_test_sees_the_merge(
    plain: OfflineStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control: our seam set back to the names ASGI hands over, and the same request's
    # two headers merge under one lower-cased name.
    monkeypatch.setattr(
        server,
        "_headers",
        lambda scope: tuple(
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]
        ),
    )
    event = header_events(plain)
    assert "X-Case" not in event["headers"]
    assert event["multiValueHeaders"]["x-case"] == ["upper", "lower"]


# ------------------------------------------------------------------ binary media types
def test_sam_binary_media_types_reach_the_api(binary: OfflineStack, plain: OfflineStack) -> None:
    [api] = binary.stack.rest_apis.values()
    assert api.binary_media_types == ("image/png", "application/*")
    assert next(iter(plain.stack.rest_apis.values())).binary_media_types == ()


def test_openapi_binary_media_types_extension_is_read(tmp_path: Path) -> None:
    # The extension sits at the top of the project's OpenAPI body, next to its paths.
    template = Path(__file__).resolve().parents[2] / "template.yaml"
    offline = build(
        write_variant(
            template,
            tmp_path,
            (
                "        paths:\n",
                "        x-amazon-apigateway-binary-media-types: [image~1webp, '*/*']\n"
                "        paths:\n",
            ),
        )
    )
    try:
        [api] = offline.stack.rest_apis.values()
        assert api.binary_media_types == ("image/webp", "*/*")
        # And API Gateway's export gives the list back under the same extension.
        exported = openapi_export(api, next(iter(api.stages)), "http://127.0.0.1:4566/x")
        assert exported["x-amazon-apigateway-binary-media-types"] == ["image/webp", "*/*"]
    finally:
        offline.close()


def post(offline: OfflineStack, body: bytes, content_type: str) -> dict[str, Any]:
    request = Guest(offline).request("POST", "/dev/items/7", body)
    return event_of(offline, with_headers(request, ("Content-Type", content_type)))


def test_a_binary_media_type_body_arrives_base64(binary: OfflineStack) -> None:
    event = post(binary, PNG, "image/png")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == PNG
    # A type/* entry matches every subtype; parameters do not count.
    event = post(binary, b'{"a": 1}', "application/json; charset=utf-8")
    assert (event["isBase64Encoded"], event["body"]) == (True, "eyJhIjogMX0=")


def test_without_a_matching_type_the_body_is_text(binary: OfflineStack, tmp_path: Path) -> None:
    event = post(binary, b"caf\xc3\xa9 au lait", "text/plain")
    assert (event["isBase64Encoded"], event["body"]) == (False, "café au lait")
    # Bytes that are not UTF-8 stay text too (not base64) when no binary type matches.
    widened = build(variant(tmp_path, WIDEN))
    try:
        event = post(widened, PNG, "image/png")
    finally:
        widened.close()
    assert event["isBase64Encoded"] is False
    assert event["body"] == PNG.decode("utf-8", errors="replace")


BASE64_RESULT = answered(
    {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": "AAEC/w==",
        "isBase64Encoded": True,
    }
)


@pytest.mark.parametrize(
    ("accept", "body"),
    [
        ("image/png", bytes([0, 1, 2, 255])),
        ("image/png;q=0.9, text/html", bytes([0, 1, 2, 255])),
        ("text/html, image/png", b"AAEC/w=="),  # only the first Accept media type counts
        (None, b"AAEC/w=="),
    ],
)
def test_a_base64_result_is_decoded_only_for_a_binary_accept(
    binary: OfflineStack, accept: str | None, body: bytes
) -> None:
    request = Guest(binary).request("GET", "/dev/whoami")
    if accept is not None:
        request = with_headers(request, ("Accept", accept))
    response = gateway_for(binary, RecordingInvoker(BASE64_RESULT)).handle(request)
    assert (response.status, response.body) == (200, body)


def test_without_binary_media_types_a_base64_result_stays_text(plain: OfflineStack) -> None:
    request = with_headers(Guest(plain).request("GET", "/dev/whoami"), ("Accept", "image/png"))
    response = gateway_for(plain, RecordingInvoker(BASE64_RESULT)).handle(request)
    assert (response.status, response.body) == (200, b"AAEC/w==")


# ------------------------------------------------------------------ identity
DEVELOPER_POOL = (
    "      AllowClassicFlow: false\n",
    "      AllowClassicFlow: false\n      DeveloperProviderName: login.example.app\n",
)
AUTHENTICATED_ROLE = (
    "      Roles: {unauthenticated: !GetAtt GuestRole.Arn}\n",
    "      Roles:\n"
    "        unauthenticated: !GetAtt GuestRole.Arn\n"
    "        authenticated: !GetAtt MemberRole.Arn\n"
    "\n"
    "  MemberRole:\n"
    "    Type: AWS::IAM::Role\n"
    "    Properties:\n"
    "      AssumeRolePolicyDocument:\n"
    "        Statement:\n"
    "          - Effect: Allow\n"
    "            Principal: {Federated: cognito-identity.amazonaws.com}\n"
    "            Action: sts:AssumeRoleWithWebIdentity\n"
    "            Condition:\n"
    '              StringEquals: {"cognito-identity.amazonaws.com:aud": !Ref IdentityPool}\n'
    '              ForAnyValue:StringLike: {"cognito-identity.amazonaws.com:amr": authenticated}\n'
    "      Policies:\n"
    "        - PolicyName: invoke\n"
    "          PolicyDocument:\n"
    "            Statement:\n"
    "              - Effect: Allow\n"
    "                Action: execute-api:Invoke\n"
    '                Resource: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:'
    '${AWS::AccountId}:${Api}/dev/GET/*"\n',
)


def _cognito(offline: OfflineStack, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = call_json(offline.cognito, f"AWSCognitoIdentityService.{operation}", json.dumps(body))
    assert answer.status == 200, answer.body
    return json.loads(answer.body)


def test_a_developer_identity_names_its_provider(tmp_path: Path, monkeypatch) -> None:
    offline = build(variant(tmp_path, DEVELOPER_POOL, AUTHENTICATED_ROLE))
    try:
        pool_id = next(iter(offline.stack.identity_pools))
        # What the backend gets with its own IAM grant (checked elsewhere, in
        # test_cognito_signed_operations: this is the operation itself, so the signature and
        # the grant are not asked for), then what the app does with the token.
        monkeypatch.setattr(offline.cognito, "admit", lambda call: None)
        login = _cognito(
            offline,
            "GetOpenIdTokenForDeveloperIdentity",
            {"IdentityPoolId": pool_id, "Logins": {"login.example.app": "user-42"}},
        )
        issued = _cognito(
            offline,
            "GetCredentialsForIdentity",
            {
                "IdentityId": login["IdentityId"],
                "Logins": {"cognito-identity.amazonaws.com": login["Token"]},
            },
        )
        member = Guest(offline)  # a guest, to sign with the member's keys instead
        member.credentials = type(member.credentials)(
            issued["Credentials"]["AccessKeyId"],
            issued["Credentials"]["SecretKey"],
            issued["Credentials"]["SessionToken"],
        )
        identity = event_of(offline, member.request("GET", "/dev/whoami"))["requestContext"][
            "identity"
        ]
        guest_identity = event_of(offline, Guest(offline).request("GET", "/dev/whoami"))[
            "requestContext"
        ]["identity"]
    finally:
        offline.close()
    assert identity["cognitoAuthenticationType"] == "authenticated"
    assert identity["cognitoAuthenticationProvider"] == (
        f"login.example.app,login.example.app:{pool_id}:user-42"
    )
    assert guest_identity["cognitoAuthenticationType"] == "unauthenticated"
    assert guest_identity["cognitoAuthenticationProvider"] is None


def test_every_documented_identity_field_is_there(plain: OfflineStack) -> None:
    identity = event_of(plain, Guest(plain).request("GET", "/dev/whoami"))["requestContext"][
        "identity"
    ]
    assert set(identity) == {
        "accessKey",
        "accountId",
        "apiKey",
        "apiKeyId",
        "caller",
        "clientCert",
        "cognitoAuthenticationProvider",
        "cognitoAuthenticationType",
        "cognitoIdentityId",
        "cognitoIdentityPoolId",
        "principalOrgId",
        "sourceIp",
        "user",
        "userAgent",
        "userArn",
    }
    # No API key is required of these methods, no mutual TLS, no organization: null.
    assert [identity[k] for k in ("apiKey", "apiKeyId", "clientCert", "principalOrgId")] == [
        None
    ] * 4
