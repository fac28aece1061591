"""The check suite against a real, deployed stack: the same scenarios as on the offline stack.

Skipped unless GUESTAPI_STACK_NAME names a deployed stack (and AWS credentials and a region
are configured): CI and this repository's machines cannot reach AWS. Run it after a deploy:

    GUESTAPI_STACK_NAME=guest-api-dev AWS_REGION=eu-west-1 .venv/bin/pytest tests/aws

With AttestationMode monitor or enforce, also set GUESTAPI_DEBUG_TOKEN to a token whose hash the
stack registered (DebugTokenHashes): the suite then runs the attested-install scenarios as that
install (`--attest debug:env`; the token never appears on a command line).

The suite runs in a subprocess (scripts/check.py): the test process only allows loopback
sockets, and this also checks the command users run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.aws

ROOT = Path(__file__).resolve().parents[2]
STACK = os.environ.get("GUESTAPI_STACK_NAME")


@pytest.mark.skipif(not STACK, reason="set GUESTAPI_STACK_NAME to a deployed stack to run")
def test_deployed_stack_passes_every_scenario(tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "scripts" / "check.py"), "--stack-name", str(STACK)]
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        command += ["--region", region]
    command += ["--junit", str(tmp_path / "results.xml")]
    if os.environ.get("GUESTAPI_DEBUG_TOKEN"):
        command += ["--attest", "debug:env"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'failures="0"' in (tmp_path / "results.xml").read_text()
