"""`make local` (scripts/local.py) says where it listens and how to stop, on stderr."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# scripts/local.py as a process, the whole stack started each time: kept out of `make test`.
pytestmark = pytest.mark.slow


def _start(repo_root: Path, tmp_path: Path, *extra: str) -> tuple[list[str], dict[str, str], int]:
    outputs_file = tmp_path / "outputs-local.json"
    process = subprocess.Popen(
        [
            sys.executable,
            str(repo_root / "scripts" / "local.py"),
            "--port",
            "0",
            "--outputs-file",
            str(outputs_file),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        lines: list[str] = []
        for line in process.stderr:  # blocks until the ready message, or EOF if it died
            lines.append(line.rstrip("\n"))
            if line.startswith("press Ctrl-C to stop"):
                break
        outputs = json.loads(outputs_file.read_text()) if outputs_file.exists() else {}
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    return lines, outputs, code


@pytest.mark.parametrize("quiet", [False, True])
def test_ready_message_names_the_address_outputs_and_how_to_stop(
    repo_root: Path, tmp_path: Path, quiet: bool
) -> None:
    lines, outputs, code = _start(repo_root, tmp_path, *(["--quiet"] if quiet else []))
    assert outputs, f"local.py never wrote its outputs; stderr: {lines}"
    base = outputs["CognitoIdentityEndpoint"].rstrip("/")
    assert (
        f"listening on {base}: Cognito Identity and STS at /, the API at {outputs['ApiUrl']}"
        in lines
    )
    assert f"outputs written to {tmp_path / 'outputs-local.json'}" in lines
    assert lines[-1].startswith("press Ctrl-C to stop")
    assert ("--quiet hides them" in lines[-1]) is not quiet
    assert code == 0  # SIGTERM is a clean stop
