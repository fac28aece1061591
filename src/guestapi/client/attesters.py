"""`--attest SPEC`: which attester a command-line run uses.

debug:TOKEN     a registered debug token (visible to other local users in the process list)
debug:env       the token from the GUESTAPI_DEBUG_TOKEN environment variable (preferred)
test-apple      App Attest evidence from the offline stack's test root (local.py
                --attestation-test-root; the outputs carry its directory)
test-android    Play Integrity tokens made with that directory's test keys
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from guestapi.client.attested import Attester, DebugTokenAttester
from guestapi.errors import GuestApiError

DEBUG_TOKEN_VARIABLE = "GUESTAPI_DEBUG_TOKEN"
SPECS = ("debug:TOKEN", "debug:env", "test-apple", "test-android")


def attester_from_spec(spec: str, outputs: Mapping[str, str]) -> Attester:
    """The attester `spec` names; GuestApiError (one line) when it cannot be made."""
    if spec.startswith("debug:"):
        token = spec[len("debug:") :]
        if token == "env":
            token = os.environ.get(DEBUG_TOKEN_VARIABLE, "")
            if not token:
                raise GuestApiError(f"--attest debug:env: {DEBUG_TOKEN_VARIABLE} is not set")
        if not token:
            raise GuestApiError("--attest debug:TOKEN: the token is empty")
        return DebugTokenAttester(token)
    if spec in ("test-apple", "test-android"):
        directory = outputs.get("AttestationTestRoot")
        if not directory:
            raise GuestApiError(
                f"--attest {spec} needs an offline stack started with --attestation-test-root "
                "(its outputs name the test root); on AWS use debug:TOKEN"
            )
        from guestapi.attestation.attesters import TestAppAttester, TestPlayIntegrityAttester

        if spec == "test-apple":
            return TestAppAttester.from_directory(Path(directory))
        return TestPlayIntegrityAttester.from_directory(Path(directory))
    raise GuestApiError(f"--attest {spec!r}: expected one of {', '.join(SPECS)}")
