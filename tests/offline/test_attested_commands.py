"""The issue's "done when", as a user types it: `local.py --parameter-overrides
AttestationMode=enforce --attestation-test-root`, then `check.py --attest test-apple` against its
outputs, each its own process; and `call.py --attest` in both directions."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# scripts/local.py and check.py/call.py as processes: kept out of `make test`.
pytestmark = [pytest.mark.offline, pytest.mark.slow]


@pytest.fixture(scope="module")
def enforce_stack(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("local-enforce")
    outputs_file = work / "outputs-local.json"
    process = subprocess.Popen(
        [
            sys.executable,
            str(repo_root / "scripts" / "local.py"),
            "--port",
            "0",
            "--quiet",
            "--outputs-file",
            str(outputs_file),
            "--parameter-overrides",
            "AttestationMode=enforce",
            # Several runs share this stack; the default burst (20) is for one app, not them.
            "ThrottlingRateLimit=1000",
            "ThrottlingBurstLimit=2000",
            "--attestation-test-root",
        ],
        cwd=work,  # the test root goes to ./.guestapi/attestation-test-root
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("press Ctrl-C to stop"):
                break
        assert outputs_file.exists(), "local.py did not start"
        yield outputs_file
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _run(repo_root: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(repo_root / "scripts" / script), *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_check_suite_passes_on_the_enforce_stack(repo_root: Path, enforce_stack: Path) -> None:
    outputs = json.loads(enforce_stack.read_text())
    assert outputs["AttestationMode"] == "enforce"
    assert Path(outputs["AttestationTestRoot"]).name == "attestation-test-root"
    done = _run(
        repo_root,
        "check.py",
        "--outputs-file",
        str(enforce_stack),
        "--attest",
        "test-apple",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "proven: the attested install reaches GET /demo" in done.stdout
    assert "attest-forged-untrusted-root" in done.stdout
    # The IAM probes ran from the outputs alone, for the attested role too.
    assert "proven: IAM simulation allows the attested role" in done.stdout


def test_call_py_gets_in_attested_and_not_as_a_guest(repo_root: Path, enforce_stack: Path) -> None:
    attested = _run(repo_root, "call.py", "--outputs-file", str(enforce_stack), "--attest",
                    "test-android", "GET", "/demo")  # fmt: skip
    assert attested.returncode == 0, attested.stderr
    assert '"authenticationType": "authenticated"' in attested.stdout
    guest = _run(repo_root, "call.py", "--outputs-file", str(enforce_stack), "GET", "/demo")
    assert guest.returncode == 2
    # one readable line, no traceback
    assert guest.stderr.strip().count("\n") == 0
    assert "Unauthenticated access is not supported for this identity pool." in guest.stderr
    # The way in on this stack is --attest, not letting guests back in.
    assert "only attested installs get credentials: pass --attest debug:env" in guest.stderr
    assert "AllowUnauthenticatedIdentities" not in guest.stderr


def test_check_py_without_attest_fails_on_the_enforce_stack(
    repo_root: Path, enforce_stack: Path
) -> None:
    done = _run(repo_root, "check.py", "--outputs-file", str(enforce_stack))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "NOT proven: attested installs (pass --attest debug:env" in done.stdout


def test_an_unusable_attest_spec_is_one_line(repo_root: Path, enforce_stack: Path) -> None:
    done = _run(repo_root, "call.py", "--outputs-file", str(enforce_stack), "--attest",
                "debug:env", "GET", "/demo")  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == "call.py: --attest debug:env: GUESTAPI_DEBUG_TOKEN is not set"
