"""Reporters: a table for people (coloured on a terminal), JSON and JUnit XML for machines."""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from guestapi.checks.runner import CheckResult
from guestapi.checks.target import Target

_GREEN, _RED, _DIM, _RESET = "\033[32m", "\033[31m", "\033[2m", "\033[0m"


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return stream.isatty() and "NO_COLOR" not in os.environ


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def render_table(
    results: Sequence[CheckResult], *, colour: bool = False, width: int | None = None
) -> str:
    """scenario | expected | got | verdict, then one diagnosis line per failure, then a total."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    name_w = max([len("scenario"), *(len(r.scenario) for r in results)])
    verdict_w = len("verdict")
    rest = max(width - name_w - verdict_w - 9, 40)
    expected_w = min(max([len("expected"), *(len(r.expected) for r in results)]), rest // 2)
    got_w = max(rest - expected_w, 20)

    def row(name: str, expected: str, got: str, verdict: str, paint: str = "") -> str:
        cells = [
            name.ljust(name_w),
            _cut(expected, expected_w).ljust(expected_w),
            _cut(got, got_w).ljust(got_w),
        ]
        shown = f"{paint}{verdict}{_RESET}" if colour and paint else verdict
        return " | ".join([*cells, shown]).rstrip()

    lines = [row("scenario", "expected", "got", "verdict")]
    lines.append("-+-".join(["-" * name_w, "-" * expected_w, "-" * got_w, "-" * verdict_w]))
    for r in results:
        lines.append(
            row(
                r.scenario,
                r.expected,
                r.got,
                "PASS" if r.passed else "FAIL",
                _GREEN if r.passed else _RED,
            )
        )
    failed = [r for r in results if not r.passed]
    if failed:
        lines.append("")
        for r in failed:
            mark = f"{_RED}✗{_RESET}" if colour else "✗"
            lines.append(f"{mark} {r.scenario}: {r.title}")
            for failure in r.failures:
                lines.append(f"    {_DIM if colour else ''}{failure}{_RESET if colour else ''}")
            lines.append(f"    diagnosis: {r.diagnosis}")
    passed = len(results) - len(failed)
    summary = f"{passed}/{len(results)} scenarios passed"
    if colour:
        summary = f"{_GREEN if not failed else _RED}{summary}{_RESET}"
    lines.append("")
    lines.append(summary)
    return "\n".join(lines)


def to_json(results: Sequence[CheckResult], target: Target) -> dict[str, object]:
    return {
        "target": {"api_url": target.api_url, "region": target.region, "stage": target.stage},
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results),
        "results": [{**asdict(r), "failures": list(r.failures)} for r in results],
    }


def write_json(results: Sequence[CheckResult], target: Target, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(results, target), indent=2) + "\n", encoding="utf-8")


def to_junit(results: Sequence[CheckResult], target: Target) -> ET.ElementTree:
    """JUnit XML as CI servers read it: one <testsuite>, one <testcase> per scenario, a
    <failure> with the diagnosis as message and the unmet expectations as text."""
    failures = sum(not r.passed for r in results)
    suites = ET.Element("testsuites", tests=str(len(results)), failures=str(failures))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"guestapi post-deploy checks ({target.api_url})",
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for r in results:
        case = ET.SubElement(
            suite, "testcase", classname="guestapi.checks", name=r.scenario, time=f"{r.seconds:.3f}"
        )
        if not r.passed:
            failure = ET.SubElement(
                case, "failure", message=r.diagnosis or "failed", type="CheckFailed"
            )
            failure.text = "\n".join(
                [f"{r.title}", f"expected: {r.expected}", f"got: {r.got}", *r.failures]
            )
        out = ET.SubElement(case, "system-out")
        out.text = f"{r.title}\nexpected: {r.expected}\ngot: {r.got}"
    ET.indent(suites)
    return ET.ElementTree(suites)


def write_junit(results: Sequence[CheckResult], target: Target, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    to_junit(results, target).write(path, encoding="utf-8", xml_declaration=True)
