"""The checkout's scripts and make targets as a user runs them (a process each): one line on
stderr, exit 2, and the script's own name; never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from guestapi.cli import local


@pytest.mark.slow  # a fresh interpreter (or make): kept out of `make test`
def test_port_out_of_range_from_the_command_line(repo_root: Path, tmp_path: Path) -> None:
    # The script as a user runs it, from another directory.
    done = subprocess.run(
        [sys.executable, str(repo_root / "scripts" / "local.py"), "--port", "99999"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "local.py: --port must be 0-65535 (0 picks a free port), got 99999"
    ]


def test_a_port_in_use_says_how_to_pick_another(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert local.main(["--port", str(port), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"local.py: port {port} is in use: pass --port N (or make local PORT=N)"


@pytest.mark.slow  # a fresh interpreter (or make): kept out of `make test`
def test_make_local_takes_port(repo_root: Path) -> None:
    done = subprocess.run(
        ["make", "-n", "local", "PORT=5123"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "scripts/local.py --port 5123 " in done.stdout


@pytest.mark.slow  # a fresh interpreter (or make): kept out of `make test`
def test_a_script_of_the_checkout_names_itself_by_its_file(repo_root: Path) -> None:
    # tests/unit/test_cli_names.py checks the console scripts' names in-process.
    done = subprocess.run(
        [sys.executable, str(repo_root / "scripts" / "check.py"), "--outputs-file", "/nonexistent"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("check.py: ")
