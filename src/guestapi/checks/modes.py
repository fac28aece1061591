"""Which shipped scenario directories apply to a stack, by its AttestationMode output.

| mode | guests (events/) | attested installs (events/attested/) | guests refused (events/enforce/) |
| --- | --- | --- | --- |
| off (or no such output) | yes | no | no |
| monitor | yes | with --attest | no |
| enforce | no | with --attest | yes |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

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
