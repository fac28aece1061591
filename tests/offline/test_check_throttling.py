"""The check suite and API Gateway's throttle: a 429 is retried with backoff (so a run paces
itself under the stage's limits), and one that persists is diagnosed as throttling, naming the
stage, never as a refusal of the method."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from guestapi.cli.check import run_suite
from guestapi.offline.launch import serve

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    limits = {"ThrottlingRateLimit": "2", "ThrottlingBurstLimit": "2"}
    with serve(TEMPLATE, overrides=limits) as outputs:
        yield outputs


def test_two_back_to_back_runs_pass_on_a_default_stack(offline_outputs, capsys) -> None:
    # No retry needed: each method has its own bucket of the stage's 10 req/s, burst 20.
    for _ in range(2):
        assert run_suite(offline_outputs, None, throttle_retries=0) == 0
    capsys.readouterr()


def test_retries_pace_a_run_under_tight_limits(tight, capsys) -> None:
    assert run_suite(tight, None) == 0
    assert "30/30 scenarios passed" in capsys.readouterr().out


def test_a_persisting_429_is_diagnosed_as_the_stages_throttle(tight, tmp_path, capsys) -> None:
    report = tmp_path / "results.json"
    assert run_suite(tight, None, throttle_retries=0, json_path=report) == 1
    capsys.readouterr()
    results = json.loads(report.read_text())["results"]
    throttled = [r for r in results if r["got"].startswith("429")]
    assert throttled, "the tight stage never throttled: nothing was tested"
    for row in throttled:
        assert row["diagnosis"].startswith(
            "Throttled (429 TooManyRequestsException) by stage dev: API Gateway's per-method "
            "limits (the template's ThrottlingRateLimit / ThrottlingBurstLimit) were hit"
        ), row
        # The limits themselves, as the stage holds them (apigateway:GetStage).
        assert row["diagnosis"].endswith("Stage dev's throttle settings: */*: 2 req/s, burst 2.")
