"""The shipped scenario directories follow the stack's AttestationMode, so `off` users run
exactly what they ran before and `enforce` never runs guest scenarios that must fail there."""

from __future__ import annotations

from pathlib import Path

import pytest

from guestapi.checks.modes import shipped_scenarios, unproven
from guestapi.client.attested import DebugTokenAttester
from guestapi.client.attesters import attester_from_spec
from guestapi.errors import GuestApiError

EVENTS = Path("events")


@pytest.mark.parametrize(
    ("outputs", "attested", "expected"),
    [
        ({}, False, [EVENTS]),
        ({"AttestationMode": "off"}, True, [EVENTS]),
        ({"AttestationMode": "monitor"}, True, [EVENTS, EVENTS / "attested"]),
        ({"AttestationMode": "monitor"}, False, [EVENTS]),
        ({"AttestationMode": "enforce"}, True, [EVENTS / "attested", EVENTS / "enforce"]),
        ({"AttestationMode": "enforce"}, False, [EVENTS / "enforce"]),
    ],
)
def test_directories_by_mode(outputs, attested, expected) -> None:
    plan = shipped_scenarios(EVENTS, outputs, attested=attested)
    assert plan.directories == expected
    mode = outputs.get("AttestationMode", "off")
    skipped = mode in ("monitor", "enforce") and not attested
    unused = mode == "off" and attested
    assert bool(plan.notes) == unused
    lines = unproven(outputs, attested=attested)
    assert bool(lines) == skipped
    if skipped:
        (line,) = lines
        assert line.startswith("NOT proven: attested installs (pass --attest debug:env")


def test_attester_specs(monkeypatch) -> None:
    assert isinstance(attester_from_spec("debug:abc", {}), DebugTokenAttester)
    monkeypatch.setenv("GUESTAPI_DEBUG_TOKEN", "from-env")
    env = attester_from_spec("debug:env", {})
    assert isinstance(env, DebugTokenAttester) and env.token == "from-env"
    assert "from-env" not in repr(env)  # the token never shows in a repr (logs, tracebacks)
    monkeypatch.delenv("GUESTAPI_DEBUG_TOKEN")
    with pytest.raises(GuestApiError, match="GUESTAPI_DEBUG_TOKEN is not set"):
        attester_from_spec("debug:env", {})
    with pytest.raises(GuestApiError, match="--attestation-test-root"):
        attester_from_spec("test-apple", {})
    with pytest.raises(GuestApiError, match="expected one of"):
        attester_from_spec("apple", {})
