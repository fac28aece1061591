"""`report.py attestation` end to end on the offline stack: a monitor stack with access logs,
a mix of guest and attested calls, and the report's figures."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from guestapi.cli import report
from guestapi.client import GuestCredentialProvider, signed_session
from guestapi.client.attested import AttestedCredentialProvider
from guestapi.client.attesters import attester_from_spec
from guestapi.offline import attestation_root, launch
from guestapi.offline.apigateway import access_log

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture
def monitor_with_log(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    overrides = {"AttestationMode": "monitor", "EnableAccessLogs": "true"}
    setup = attestation_root.prepare(tmp_path / "root", overrides)
    offline = launch.build(
        TEMPLATE, overrides=setup.overrides, stack_name=f"report-{tmp_path.name}"[:60]
    )
    attestation_root.apply(offline, setup)
    log_file = tmp_path / "access.log"
    handler = access_log.write_to(log_file)
    try:
        with launch.running(offline) as outputs:
            outputs["AttestationTestRoot"] = str(setup.directory)
            outputs["AccessLogFile"] = str(log_file)
            yield outputs, log_file
    finally:
        access_log.log.removeHandler(handler)
        handler.close()
        access_log.log.setLevel(logging.NOTSET)


def _demo(provider: GuestCredentialProvider, outputs: dict[str, str]) -> int:
    session = signed_session(provider, outputs["Region"])
    return session.get(outputs["ApiUrl"] + "/demo", timeout=15).status_code


def test_the_report_gives_each_methods_attested_share(monitor_with_log, tmp_path, capsys) -> None:
    outputs, log_file = monitor_with_log
    guest = GuestCredentialProvider.from_outputs(outputs)
    attested = AttestedCredentialProvider.from_outputs(
        outputs, attester_from_spec("test-apple", outputs)
    )
    assert [_demo(guest, outputs) for _ in range(3)] == [200] * 3
    assert [_demo(attested, outputs) for _ in range(5)] == [200] * 5
    # Neither an unsigned call nor a preflight names a caller kind: they do not count.
    assert requests.get(outputs["ApiUrl"] + "/demo", timeout=15).status_code == 403
    lines = log_file.read_text().splitlines()
    assert all(json.loads(line)["requestId"] for line in lines)  # the format's JSON, alone
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(outputs))
    capsys.readouterr()

    assert report.main(["attestation", "--outputs-file", str(outputs_file)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1].split() == ["GET", "/demo", "5", "3", "62.5%"]
    assert printed[-1] == (
        "62.5% of GET /demo calls came from attested installs in the last 24 h; "
        "enforce would refuse 37.5%"
    )
