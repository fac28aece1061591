"""Access logs end to end over HTTP, from template.yaml with EnableAccessLogs: a guest's line,
an unsigned call's, and in monitor mode the caller field telling guests from attested installs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from guestapi.client import GuestCredentialProvider, signed_session
from guestapi.client.attested import AttestedCredentialProvider
from guestapi.client.attesters import attester_from_spec
from guestapi.offline import attestation_root, launch

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
ACCESS = "guestapi.offline.access"


def _entries(caplog: pytest.LogCaptureFixture) -> list[dict[str, str]]:
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS]
    for line in lines:
        assert line.startswith("access-log ") and "/dev {" in line
    return [json.loads(line.split(" ", 2)[2]) for line in lines]


def _demo(provider: GuestCredentialProvider, outputs: dict[str, str]) -> requests.Response:
    return signed_session(provider, outputs["Region"]).get(outputs["ApiUrl"] + "/demo", timeout=15)


def test_guest_and_unsigned_calls_are_logged(caplog) -> None:
    with launch.serve(TEMPLATE, overrides={"EnableAccessLogs": "true"}) as outputs:
        provider = GuestCredentialProvider.from_outputs(outputs)
        with caplog.at_level(logging.INFO, logger=ACCESS):
            signed = _demo(provider, outputs)
            unsigned = requests.get(outputs["ApiUrl"] + "/demo", timeout=15)
    assert (signed.status_code, unsigned.status_code) == (200, 403)
    guest, refused = _entries(caplog)
    assert guest["status"] == "200" and guest["errorType"] == "-"
    assert guest["identityId"] == signed.json()["identityId"]
    assert guest["requestId"] == signed.headers["x-amzn-RequestId"]
    assert refused["status"] == "403"
    assert refused["errorType"] == "MISSING_AUTHENTICATION_TOKEN"
    assert refused["identityId"] == "-"
    assert "caller" not in guest  # the format without attestation has no caller field


def test_without_access_logs_no_line_is_logged(caplog) -> None:
    with launch.serve(TEMPLATE) as outputs:
        provider = GuestCredentialProvider.from_outputs(outputs)
        with caplog.at_level(logging.INFO, logger=ACCESS):
            assert _demo(provider, outputs).status_code == 200
    assert _entries(caplog) == []


@pytest.fixture(scope="module")
def monitor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("access-monitor")
    setup = attestation_root.prepare(
        tmp / "root", {"AttestationMode": "monitor", "EnableAccessLogs": "true"}
    )
    offline = launch.build(TEMPLATE, overrides=setup.overrides, stack_name="access-log-monitor")
    attestation_root.apply(offline, setup)
    with launch.running(offline) as outputs:
        outputs["AttestationTestRoot"] = str(setup.directory)
        yield outputs


def test_monitor_mode_lines_say_which_kind_of_caller(monitor, caplog) -> None:
    attested = AttestedCredentialProvider.from_outputs(
        monitor, attester_from_spec("test-apple", monitor)
    )
    guest = GuestCredentialProvider.from_outputs(monitor)
    attested_answer = _demo(attested, monitor)  # attests first: its own lines are not /demo's
    assert attested_answer.status_code == 200, attested_answer.text
    with caplog.at_level(logging.INFO, logger=ACCESS):
        guest_answer = _demo(guest, monitor)
        again = _demo(attested, monitor)
    assert (guest_answer.status_code, again.status_code) == (200, 200)
    guest_line, attested_line = _entries(caplog)
    assert guest_line["caller"] == "unauthenticated"
    assert guest_line["identityId"] == guest_answer.json()["identityId"]
    assert attested_line["caller"] == "authenticated"
    assert attested_line["identityId"] == again.json()["identityId"]
