"""call.py writing into a pipe whose reader has gone (`call.py ... | head -1`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from guestapi.offline.launch import serve

pytestmark = pytest.mark.offline


@pytest.fixture(scope="module")
def outputs_file(template_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("call") / "outputs.json"
    with serve(template_path) as outputs:
        path.write_text(json.dumps(outputs), encoding="utf-8")
        yield path


def _call_into_closed_pipe(repo_root: Path, tmp_path: Path, outputs_file: Path) -> tuple[int, str]:
    """Run call.py with stdout on a pipe whose read end is already closed, as after `head -1`
    has read its line and exited; deterministic, unlike racing a real `head`."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [
                sys.executable,
                str(repo_root / "scripts" / "call.py"),
                "--outputs-file",
                str(outputs_file),
                "--cache-path",
                str(tmp_path / "identities.json"),
                "GET",
                "/demo",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    return done.returncode, done.stderr


def test_closed_stdout_is_quiet_not_a_traceback(
    repo_root: Path, tmp_path: Path, outputs_file: Path
) -> None:
    code, stderr = _call_into_closed_pipe(repo_root, tmp_path, outputs_file)
    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr
    assert "Exception ignored" not in stderr  # the interpreter's own flush at exit
    assert stderr == ""
    # As a shell reports a program killed by SIGPIPE (128 + 13): not 1, the HTTP-error code.
    assert code == 141


def test_open_stdout_still_prints_the_answer(
    repo_root: Path, tmp_path: Path, outputs_file: Path
) -> None:
    # The same call with a reader: the pipe handling must not swallow normal output.
    done = subprocess.run(
        [
            sys.executable,
            str(repo_root / "scripts" / "call.py"),
            "--outputs-file",
            str(outputs_file),
            "--cache-path",
            str(tmp_path / "identities.json"),
            "GET",
            "/demo",
        ],
        capture_output=True,
        cwd=tmp_path,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "HTTP 200 OK"
