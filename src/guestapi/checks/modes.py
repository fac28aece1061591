"""Which shipped scenario directories apply to a stack, by its AttestationMode output.

| mode | guests (events/) | attested installs (events/attested/) | guests refused (events/enforce/) |
| --- | --- | --- | --- |
| off (or no such output) | yes | no | no |
| monitor | yes | with --attest | no |
| enforce | no | with --attest | yes |
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
    if mode != "off":
        if attested:
            directories.append(events / "attested")
        else:
            notes.append(
                f"AttestationMode is {mode}: attested-install scenarios skipped (pass --attest)"
            )
    if mode == "enforce":
        directories.append(events / "enforce")
    return ScenarioPlan(directories, notes)


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
