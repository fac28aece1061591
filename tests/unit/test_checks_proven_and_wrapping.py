"""The end of a run (what was proven), a table that wraps instead of cutting, and run metadata
(timestamp, stack name) in the JSON and JUnit reports."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime

from guestapi.assets import events_dir
from guestapi.checks import CheckResult, Target
from guestapi.checks.loading import load_scenario_dirs
from guestapi.checks.proven import proven_lines
from guestapi.checks.report import render_table, stack_name_of, to_json, to_junit
from guestapi.checks.scenario import Signing, SigningMode

SCENARIOS = load_scenario_dirs([events_dir()])
TARGET = Target(
    "http://127.0.0.1:1/dev",
    "us-east-1:pool",
    "us-east-1",
    guest_role_arn="arn:aws:iam::123456789012:role/guest-api-dev-GuestRole-AbC123xyz",
)


def results(failed: set[str] = frozenset()) -> list[CheckResult]:
    return [CheckResult(s.name, s.title, "x", "y", s.name not in failed) for s in SCENARIOS]


def test_all_passed_proves_the_refusals_and_the_guest_reach() -> None:
    lines = proven_lines(SCENARIOS, results())
    text = "\n".join(lines)
    refusals = next(line for line in lines if line.endswith("calls are refused"))
    for kind in ("unsigned", "tampered", "expired", "future-dated", "wrong-region", "unknown-key"):
        assert kind in refusals
    assert "the guest reaches GET /demo, and its " in text
    assert "POST /demo" in text and "GET /not-demo" in text
    assert "basic (classic) Cognito flow is refused" in text
    assert "CORS preflight" in text
    assert "NOT proven" not in text


def test_a_failed_scenario_is_never_claimed() -> None:
    """The control: the same run with tampered-signature and guest-post failing."""
    text = "\n".join(proven_lines(SCENARIOS, results({"tampered-signature", "guest-post"})))
    assert "tampered" not in text.split("NOT proven")[0]
    assert "POST /demo" not in text
    assert "unsigned" in text  # the others still are
    assert text.splitlines()[-1] == "NOT proven (2 failed): guest-post, tampered-signature"


def test_claims_follow_the_scenarios_not_a_fixed_text() -> None:
    """A project's own scenario adds its claim; no scenarios, no claims."""
    assert proven_lines([], []) == []
    unsigned = next(s for s in SCENARIOS if s.name == "unsigned-get")
    custom = replace(unsigned, name="mine", signing=Signing(mode=SigningMode.GUEST_TAMPERED))
    lines = proven_lines([custom], [CheckResult("mine", "t", "x", "y", True)])
    assert lines == ["proven: tampered calls are refused"]


def test_long_cells_wrap_and_nothing_is_cut() -> None:
    got = "403 InvalidSignatureException Signature expired: 20261129T040504Z is now earlier than"
    rows = [CheckResult("signature-expired", "t", "403 InvalidSignatureException", got, True)]
    table = render_table(rows, width=80)
    assert "…" not in table
    assert max(len(line) for line in table.splitlines()) <= 80
    got_column = "".join(
        line.split(" | ")[2].removesuffix("|") for line in table.splitlines()[2:] if " | " in line
    )
    assert re.sub(r"\s", "", got_column) == re.sub(r"\s", "", got)
    assert table.splitlines()[2].endswith("PASS")  # the verdict sits on the row's first line


def test_proven_lines_end_the_table() -> None:
    table = render_table(results(), width=120, proven=["proven: a", "proven: b"])
    assert table.splitlines()[-3:] == [
        f"{len(SCENARIOS)}/{len(SCENARIOS)} scenarios passed",
        "proven: a",
        "proven: b",
    ]


def test_json_and_junit_carry_timestamp_and_stack_name() -> None:
    data = to_json(results(), TARGET, proven=["proven: x"])
    assert datetime.fromisoformat(str(data["timestamp"])).tzinfo is not None
    assert data["target"]["stack_name"] == "guest-api-dev"  # type: ignore[index]
    assert data["proven"] == ["proven: x"]
    suite = to_junit(results(), TARGET, timestamp="2026-01-02T03:04:05+00:00").getroot()[0]
    assert suite.get("timestamp") == "2026-01-02T03:04:05+00:00"
    assert "guest-api-dev" in (suite.get("name") or "")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["stack_name"] == "guest-api-dev" and props["region"] == "us-east-1"
    ET.tostring(suite)  # still serialisable


def test_stack_name_is_none_when_the_role_arn_does_not_show_it() -> None:
    assert stack_name_of(Target("http://h/dev", "p", "r")) is None
    assert stack_name_of(replace(TARGET, guest_role_arn="arn:aws:iam::1:role/custom")) is None


def _window_result(got: str) -> list[CheckResult]:
    return [
        CheckResult(s.name, s.title, "x", got if s.name == "presigned-past-five-minutes" else "y",
                    True)
        for s in SCENARIOS
    ]  # fmt: skip


def test_the_presigned_window_row_reports_which_behaviour_the_stack_showed() -> None:
    # AWS documents no answer for execute-api: the row accepts both, the line says which.
    honoured = proven_lines(SCENARIOS, _window_result("200 Hello, guest"))
    assert (
        "seen: a presigned URL 360 s old with X-Amz-Expires=900 was accepted: this API honours "
        "X-Amz-Expires" in honoured
    )
    fixed = proven_lines(
        SCENARIOS, _window_result("403 InvalidSignatureException Signature expired: x")
    )
    assert any(line.endswith("keeps the fixed 5-minute window") for line in fixed)
    other = proven_lines(SCENARIOS, _window_result("403 AccessDeniedException User: ..."))
    assert any("refused for another reason (403 AccessDeniedException" in line for line in other)
    assert "proven: a URL presigned with guest keys reaches GET /demo" in honoured
    failed = proven_lines(SCENARIOS, results({"presigned-past-five-minutes", "presigned-get"}))
    assert not any(
        line.startswith("seen:") or "presigned" in line.split("NOT")[0] for line in failed
    )
