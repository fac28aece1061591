"""Which shipped scenario directories apply to a stack, by its AttestationMode output.

| mode | guests (events/) | attested installs (events/attested/) | guests refused (events/enforce/) |
| --- | --- | --- | --- |
| off (or no such output) | yes | no | no |
| monitor | yes | with --attest | no |
| enforce | no | with --attest | yes |

Without --attest on a monitor or enforce stack the attested path is not proven, and the run says
so and fails (`unproven`): a green run must mean the whole stack was checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from guestapi.checks.scenario import Scenario, SigningMode

MODES = ("off", "monitor", "enforce")


@dataclass(frozen=True)
class ScenarioPlan:
    directories: list[Path]
    notes: list[str] = field(default_factory=list)


def attestation_mode(outputs: Mapping[str, str]) -> str:
    mode = outputs.get("AttestationMode") or "off"
    return mode if mode in MODES else "off"


def shipped_scenarios(events: Path, outputs: Mapping[str, str], *, attested: bool) -> ScenarioPlan:
    mode = attestation_mode(outputs)
    directories: list[Path] = []
    notes: list[str] = []
    if mode != "enforce":
        directories.append(events)
    if mode == "off" and attested:
        notes.append(
            "AttestationMode is off (or the stack has no such output): --attest is not used"
        )
    if mode != "off" and attested:
        directories.append(events / "attested")
    if mode == "enforce":
        directories.append(events / "enforce")
    return ScenarioPlan(directories, notes)


# How to prove the attested path: the same words in check.py's and call.py's answers.
ATTEST_HINT = (
    "pass --attest debug:env with a registered debug token in GUESTAPI_DEBUG_TOKEN, "
    "or offline --attest test-apple"
)


def unproven(outputs: Mapping[str, str], *, attested: bool) -> list[str]:
    """What a run cannot prove on this stack without an attester: one `NOT proven` line."""
    mode = attestation_mode(outputs)
    if mode == "off" or attested:
        return []
    return [f"NOT proven: attested installs ({ATTEST_HINT}): the stack's AttestationMode is {mode}"]


def signed_as_the_mode_allows(
    scenarios: list[Scenario], outputs: Mapping[str, str], *, attested: bool
) -> list[Scenario]:
    """Generated rows sign as guests; in enforce, where guests get no keys, as the attested
    install instead (or not at all without --attest)."""
    if attestation_mode(outputs) != "enforce":
        return scenarios
    kept = []
    for s in scenarios:
        if s.signing.mode is not SigningMode.GUEST:
            kept.append(s)
        elif attested:
            kept.append(
                replace(
                    s,
                    signing=replace(s.signing, mode=SigningMode.ATTESTED),
                    title=s.title.replace("guest-signed", "attested-install-signed"),
                )
            )
    return kept
