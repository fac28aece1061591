"""The offline stack's log lines: whatever a request carries is escaped and cut.

Control characters (C0 and C1) could forge log lines; a 4 MB header would make a 4 MB line.
Each test also shows the raw value really was hostile (so the assertion could fail).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from _offline_guest import Guest
from _service_calls import call_json
from guestapi.offline.launch import build
from guestapi.offline.wire import MAX_LOGGED, Request, loggable

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
FORGED = "x\r\n2026-11-29 guestapi.offline.gateway GET /dev/demo 200 caller=admin\x85\x1b[31m"


def test_loggable_escapes_control_characters_and_cuts() -> None:
    assert "\n" in FORGED and "\x85" in FORGED
    line = loggable(FORGED)
    assert line.isprintable()
    assert "\\r\\n2026" in line and "\\x85" in line and "\\x1b" in line
    long = loggable("A" * 4_000_000)
    assert len(long) < MAX_LOGGED + 40 and long.endswith("...(+3999744 chars)")


@pytest.fixture(scope="module")
def offline():
    return build(TEMPLATE)


def test_a_hostile_x_amz_target_is_logged_escaped_and_short(offline, caplog) -> None:
    target = "AWSCognitoIdentityService." + FORGED + "Z" * 4_000_000
    with caplog.at_level(logging.INFO, logger="guestapi.offline"):
        response = call_json(offline.cognito, target, b"{}")
    assert json.loads(response.body)["__type"] == "UnknownOperationException"
    [line] = [r.getMessage() for r in caplog.records]
    assert line.isprintable() and len(line) < 1200
    assert "\\r\\n2026" in line


def test_a_hostile_path_and_key_id_are_logged_escaped(offline, caplog) -> None:
    guest = Guest(offline)
    signed = guest.request("GET", "/dev/demo")
    # A Credential scope naming a key id with control characters: refused, and logged safely.
    headers = tuple(
        (k, v.replace(guest.credentials.access_key, "ASIA" + FORGED))
        if k == "Authorization"
        else (k, v)
        for k, v in signed.headers
    )
    hostile = Request(
        signed.method, "/dev/demo%0d%0a" + "B" * 50_000, "", headers, b"", signed.host
    )
    with caplog.at_level(logging.INFO, logger="guestapi.offline.gateway"):
        response = offline.gateway.handle(hostile)
    assert response.status == 403
    [line] = [r.getMessage() for r in caplog.records]
    assert line.isprintable() and len(line) < 1200
