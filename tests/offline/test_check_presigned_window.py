"""The check suite's presigned-URL rows against the offline stack in both of its modes.

Whether execute-api honours X-Amz-Expires past 5 minutes is unsettled on AWS
(docs/aws-behaviour.md#presigned-urls); the row accepts either answer and the `seen:` line must
report the one the stack actually gave, so the first real run settles it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from guestapi.assets import events_dir
from guestapi.cli.check import run_suite
from guestapi.offline.launch import build, running

pytestmark = pytest.mark.offline

ROWS = ("presigned-get.json", "presigned-past-five-minutes.json")


@pytest.fixture
def presigned_events(tmp_path: Path) -> Path:
    for name in ROWS:
        shutil.copy(events_dir() / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    ("honour", "seen"),
    [
        (False, "was refused: this API keeps the fixed 5-minute window"),
        (True, "was accepted: this API honours X-Amz-Expires"),
    ],
)
def test_the_window_row_reports_what_the_stack_did(
    template_path: Path, presigned_events: Path, capsys, honour: bool, seen: str
) -> None:
    offline = build(template_path, honour_presigned_expires=honour)
    with running(offline) as outputs:
        code = run_suite(outputs, presigned_events)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "proven: a URL presigned with guest keys reaches GET /demo" in out
    assert f"seen: a presigned URL 360 s old with X-Amz-Expires=900 {seen}" in out
