"""Reporters: a table for people (coloured on a terminal), JSON and JUnit XML for machines."""

from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from guestapi.checks.runner import CheckResult
from guestapi.checks.target import Target

_GREEN, _RED, _DIM, _RESET = "\033[32m", "\033[31m", "\033[2m", "\033[0m"


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return stream.isatty() and "NO_COLOR" not in os.environ


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters; long words are broken, never dropped, so every
    character of an expected or observed value stays visible."""
    return textwrap.wrap(text, width, break_on_hyphens=False, drop_whitespace=True) or [""]


def _layout(results: Sequence[CheckResult], width: int) -> tuple[int, int, int]:
    """Column widths (scenario, expected, got) for a table `width` characters wide."""
    name_w = max([len("scenario"), *(len(r.scenario) for r in results)])
    rest = max(width - name_w - len("verdict") - 9, 40)
    longest = max([len("expected"), *(len(r.expected) for r in results)])
    # Wide enough for the longest single word (an error code), so it wraps between words.
    longest_word = max([0, *(len(w) for r in results for w in r.expected.split())])
    expected_w = min(max(min(longest, rest // 2), longest_word, 16), rest - 20)
    got_w = max(rest - expected_w, 20)
    return name_w, expected_w, got_w


def render_table(
    results: Sequence[CheckResult],
    *,
    colour: bool = False,
    width: int | None = None,
    proven: Sequence[str] = (),
) -> str:
    """scenario | expected | got | verdict, one diagnosis block per failure, a total, then
    `proven` (see `guestapi.checks.proven`). Long cells wrap onto continuation lines inside
    their column instead of being cut: what decided a verdict is always on screen."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    name_w, expected_w, got_w = _layout(results, width)

    def rows(name: str, expected: str, got: str, verdict: str, paint: str = "") -> list[str]:
        shown = f"{paint}{verdict}{_RESET}" if colour and paint else verdict
        exp_lines, got_lines = _wrap(expected, expected_w), _wrap(got, got_w)
        out = []
        for i in range(max(len(exp_lines), len(got_lines))):
            cells = [
                (name if i == 0 else "").ljust(name_w),
                (exp_lines[i] if i < len(exp_lines) else "").ljust(expected_w),
                (got_lines[i] if i < len(got_lines) else "").ljust(got_w),
                shown if i == 0 else "",
            ]
            out.append(" | ".join(cells).rstrip())
        return out

    lines = rows("scenario", "expected", "got", "verdict")
    lines.append("-+-".join(["-" * name_w, "-" * expected_w, "-" * got_w, "-" * len("verdict")]))
    for r in results:
        verdict, paint = ("PASS", _GREEN) if r.passed else ("FAIL", _RED)
        lines.extend(rows(r.scenario, r.expected, r.got, verdict, paint))
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
    lines.extend(proven)
    return "\n".join(lines)


#: CloudFormation names a role it creates STACK-LOGICALID-RANDOM; the guest role's logical id is
#: GuestRole in template.yaml, so its ARN names the stack when the outputs do not.
_GUEST_ROLE_NAME = re.compile(r":role/(?:.*/)?(?P<stack>.+)-GuestRole-[A-Za-z0-9]+$")


def stack_name_of(target: Target) -> str | None:
    """The stack's name, read from the GuestRoleArn output (None when it does not show it)."""
    match = _GUEST_ROLE_NAME.search(target.guest_role_arn or "")
    return match.group("stack") if match else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def to_json(
    results: Sequence[CheckResult],
    target: Target,
    *,
    timestamp: str | None = None,
    proven: Sequence[str] = (),
) -> dict[str, object]:
    return {
        "timestamp": timestamp or _now(),
        "target": {
            "stack_name": stack_name_of(target),
            "api_url": target.api_url,
            "region": target.region,
            "stage": target.stage,
        },
        "proven": list(proven),
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results),
        "results": [{**asdict(r), "failures": list(r.failures)} for r in results],
    }


def write_json(
    results: Sequence[CheckResult], target: Target, path: Path, *, proven: Sequence[str] = ()
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = to_json(results, target, proven=proven)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def to_junit(
    results: Sequence[CheckResult], target: Target, *, timestamp: str | None = None
) -> ET.ElementTree:
    """JUnit XML as CI servers read it: one <testsuite>, one <testcase> per scenario, a
    <failure> with the diagnosis as message and the unmet expectations as text."""
    failures = sum(not r.passed for r in results)
    stack = stack_name_of(target)
    suites = ET.Element("testsuites", tests=str(len(results)), failures=str(failures))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"guestapi post-deploy checks ({stack or target.api_url})",
        timestamp=timestamp or _now(),
        hostname=urlsplit(target.api_url).netloc,
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("stack_name", stack),
        ("api_url", target.api_url),
        ("region", target.region),
    ):
        if value:
            ET.SubElement(properties, "property", name=name, value=value)
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
