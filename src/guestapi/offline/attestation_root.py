"""`local.py --attestation-test-root`: the only way the offline stack trusts a test root CA.

Without it the attestation function verifies App Attest evidence against Apple's real root and
finds no Play Integrity keys, as a fresh deploy does. With it, a test root CA and Play Integrity
keys are made once in the directory (or read from it); functions with an APPLE_APP_ID variable get
ATTESTATION_TEST_ROOT_PEM (which the template never sets) and their keys' SecureString; and
AppleAppId / AndroidPackageName get test values unless overridden, recorded in `apps.json` for
the test attesters (docs/aws-behaviour.md, Known differences 19).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from guestapi.errors import GuestApiError

if TYPE_CHECKING:
    from guestapi.attestation.test_root import TestRoot
    from guestapi.offline.launch import OfflineStack

DEFAULT_DIRECTORY = Path(".guestapi/attestation-test-root")
TEST_APPS = {
    "AppleAppId": "TESTTEAM01.dev.guestapi.offline",
    "AndroidPackageName": "dev.guestapi.offline",
}
APPS_FILE = "apps.json"
TEST_ROOT_VARIABLE = "ATTESTATION_TEST_ROOT_PEM"
KEYS_PARAMETER_VARIABLE = "PLAY_INTEGRITY_KEYS_PARAMETER"


@dataclass(frozen=True)
class TestRootSetup:
    directory: Path
    root: TestRoot
    overrides: dict[str, str] = field(default_factory=dict)


def prepare(directory: Path, overrides: Mapping[str, str] | None) -> TestRootSetup:
    """Make (or read) the test root in `directory`; the overrides with the test app ids added."""
    try:
        # The function needs these in the stack's interpreter; the test attesters, pyattest's deps.
        import aws_lambda_powertools  # noqa: F401
        import fastjsonschema  # noqa: F401
        import pyattest  # noqa: F401

        from guestapi.attestation.test_root import TestRoot
    except ImportError as exc:
        raise GuestApiError(
            f"attested installs offline need the attestation extra ({exc.name} is missing): "
            "pip install 'guestapi[attestation]', or make install"
        ) from None

    try:
        if (directory / "root.pem").is_file():
            root = TestRoot.load(directory)
        else:
            root = TestRoot.create(directory)
    except (OSError, ValueError) as exc:
        raise GuestApiError(f"--attestation-test-root {directory}: {exc}") from None
    merged = {**TEST_APPS, **dict(overrides or {})}
    apps = {
        "appleAppId": merged["AppleAppId"],
        "appAttestEnvironment": merged.get("AppAttestEnvironment", "production"),
        "androidPackageName": merged["AndroidPackageName"],
    }
    (directory / APPS_FILE).write_text(json.dumps(apps, indent=2) + "\n", encoding="utf-8")
    return TestRootSetup(directory=directory, root=root, overrides=merged)


def apply(offline: OfflineStack, setup: TestRootSetup) -> list[str]:
    """Trust the test root in the attestation functions; seed their Play Integrity keys.

    Returns the logical ids of the functions told to trust it (empty: the template has none,
    for example with AttestationMode off).
    """
    told: list[str] = []
    for spec in offline.stack.functions.values():
        if "APPLE_APP_ID" not in spec.environment:
            continue
        spec.environment[TEST_ROOT_VARIABLE] = setup.root.root_pem.decode()
        told.append(spec.logical_id)
        keys_parameter = spec.environment.get(KEYS_PARAMETER_VARIABLE)
        if keys_parameter:
            offline.put_secure_parameter(keys_parameter, setup.root.play_integrity_keys_json())
    return told
