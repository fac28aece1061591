"""Access logging: the stage's AccessLogSetting.Format rendered once per call that reached a
deployed stage, on the `guestapi.offline.access` logger (in-process, no HTTP)."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from _offline_guest import Guest
from guestapi.offline.apigateway.access_log import access_context, render
from guestapi.offline.apigateway.call import Call
from guestapi.offline.apigateway.responses import GatewayError, ResponseType
from guestapi.offline.launch import OfflineStack, build

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
ACCESS = "guestapi.offline.access"


# ---------------------------------------------------------------------------- render
def test_render_substitutes_nested_variables() -> None:
    ctx = {"requestId": "r-1", "identity": {"sourceIp": "10.0.0.1"}, "status": 200}
    line = render(
        '{"id":"$context.requestId","ip":"$context.identity.sourceIp"} $context.status', ctx
    )
    assert line == '{"id":"r-1","ip":"10.0.0.1"} 200'


def test_render_writes_a_dash_for_missing_empty_and_non_leaf_variables() -> None:
    ctx = {"identity": {"cognitoIdentityId": ""}, "error": {"message": None}}
    fmt = "$context.nope|$context.identity.cognitoIdentityId|$context.error.message|$context.identity|$context.identity.sourceIp.x"
    assert render(fmt, ctx) == "-|-|-|-|-"


def test_render_escapes_nothing_but_control_characters_and_runs_no_velocity() -> None:
    ctx = {"identity": {"userAgent": 'say "hi" \\ <b>'}, "path": "/dev/x\r\nforged"}
    fmt = '#set($a = 1)"$context.identity.userAgent" $context.path $input.body'
    # Quotes and backslashes go in as they are (as on AWS); only the newline is escaped, and
    # Velocity directives and non-$context references stay literal text.
    assert render(fmt, ctx) == '#set($a = 1)"say "hi" \\ <b>" /dev/x\\r\\nforged $input.body'


# ---------------------------------------------------------------------------- the gateway
@pytest.fixture(scope="module")
def logging_stack() -> OfflineStack:
    return build(TEMPLATE, overrides={"EnableAccessLogs": "true"})


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == ACCESS]


def _entry(line: str, api_id: str) -> dict[str, str]:
    prefix = f"access-log {api_id}/dev "
    assert line.startswith(prefix)
    return json.loads(line[len(prefix) :])


def test_the_stage_keeps_the_format_of_its_access_log_setting(logging_stack) -> None:
    [api] = logging_stack.stack.rest_apis.values()
    assert '"status":"$context.status"' in api.stages["dev"].access_log_format
    [plain] = build(TEMPLATE).stack.rest_apis.values()
    assert plain.stages["dev"].access_log_format == ""


def test_a_guest_call_logs_status_identity_and_length(logging_stack, caplog) -> None:
    guest = Guest(logging_stack)
    [api_id] = logging_stack.stack.rest_apis
    with caplog.at_level(logging.INFO, logger=ACCESS):
        response = logging_stack.gateway.handle(guest.request("GET", "/dev/demo"))
    assert response.status == 200
    [line] = _lines(caplog)
    entry = _entry(line, api_id)
    assert entry["status"] == "200"
    assert entry["identityId"] == guest.identity_id
    assert entry["requestId"] == response.header("x-amzn-RequestId")
    assert entry["resourcePath"] == "/demo" and entry["httpMethod"] == "GET"
    assert entry["responseLength"] == str(len(response.body))
    assert entry["errorType"] == "-"
    assert guest.credentials.secret_key not in line and guest.credentials.token not in line


def test_refusals_on_a_deployed_stage_are_logged_with_their_response_type(
    logging_stack, caplog
) -> None:
    guest = Guest(logging_stack)
    [api_id] = logging_stack.stack.rest_apis
    signed = guest.request("GET", "/dev/demo")
    tampered = replace(signed, raw_query="x=1")
    with caplog.at_level(logging.INFO, logger=ACCESS):
        unsigned = logging_stack.gateway.handle(guest.request("GET", "/dev/demo", signed=False))
        bad = logging_stack.gateway.handle(tampered)
        unknown = logging_stack.gateway.handle(guest.request("GET", "/dev/no-such-route"))
    assert (unsigned.status, bad.status, unknown.status) == (403, 403, 403)
    entries = [_entry(line, api_id) for line in _lines(caplog)]
    assert [(e["status"], e["errorType"]) for e in entries] == [
        ("403", "MISSING_AUTHENTICATION_TOKEN"),
        ("403", "INVALID_SIGNATURE"),
        ("403", "MISSING_AUTHENTICATION_TOKEN"),
    ]
    assert entries[0]["identityId"] == "-"  # unsigned: no Cognito identity
    assert entries[2]["resourcePath"] == "-"  # a known stage, no such resource


def test_an_unknown_stage_has_no_access_log(logging_stack, caplog) -> None:
    guest = Guest(logging_stack)
    with caplog.at_level(logging.INFO, logger=ACCESS):
        response = logging_stack.gateway.handle(guest.request("GET", "/prod/demo"))
    assert response.status == 403
    assert _lines(caplog) == []


def test_error_message_keeps_no_canonical_request(logging_stack) -> None:
    # A signature mismatch's message goes on with the canonical request (which holds the
    # session token); a format naming $context.error.message gets its first line only.
    guest = Guest(logging_stack)
    [api] = logging_stack.stack.rest_apis.values()
    signed = guest.request("GET", "/dev/demo")
    tampered = replace(signed, raw_query="x=1")
    response = logging_stack.gateway.handle(tampered)
    body = json.loads(response.body)["message"]
    assert guest.credentials.token in body  # the body does echo it
    refusal = GatewayError(ResponseType.INVALID_SIGNATURE, body)
    call = Call(request=tampered, request_id="r-1", now=datetime.now(UTC))
    ctx = access_context(
        call, response, refusal, api=api, stage=api.stages["dev"], account_id="123456789012"
    )
    line = render("$context.error.message|$context.error.messageString", ctx)
    first = body.split("\n", 1)[0]
    assert first.startswith("The request signature we calculated does not match")
    assert line == f'{first}|"{first}"'
    assert guest.credentials.token not in line


def test_without_enable_access_logs_nothing_is_logged(caplog) -> None:
    plain = build(TEMPLATE)
    guest = Guest(plain)
    with caplog.at_level(logging.INFO, logger=ACCESS):
        response = plain.gateway.handle(guest.request("GET", "/dev/demo"))
    assert response.status == 200
    assert _lines(caplog) == []
