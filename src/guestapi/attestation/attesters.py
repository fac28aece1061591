"""TEST attesters for `--attest test-apple` / `test-android` (guestapi.client.attesters): an
install's evidence made with a TestRoot directory (`local.py --attestation-test-root`) and the
app ids in its `apps.json`. Never for production; only a stack told to trust that root admits them.

They follow guestapi.client.attested.Attester; the App Attest one can also forge (the check
suite's refusal rows, guestapi.checks.attestation_rows).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any, ClassVar

import cbor2

from guestapi.attestation.apple_evidence import AppAttestKey, Environment, impostor_cas, reshaped
from guestapi.attestation.play_evidence import integrity_token
from guestapi.attestation.test_root import TestRoot

APPS_FILE = "apps.json"  # written by guestapi.offline.attestation_root.prepare


def _apps(directory: Path) -> dict[str, str]:
    return json.loads((directory / APPS_FILE).read_text(encoding="utf-8"))


def _b64(data: bytes) -> str:
    return base64.standard_b64encode(data).decode()


@dataclass
class TestAppAttester:
    """An App Attest install: attests a key once, then renews with assertions."""

    __test__ = False  # a library class, not a pytest test class

    root: TestRoot = field(repr=False)
    app_id: str
    environment: Environment = "production"
    kind: str = "apple"
    key: AppAttestKey = field(default_factory=AppAttestKey.generate, repr=False)
    counter: int = 0
    _sent: bool = field(default=False, repr=False)
    _other_root: TestRoot | None = field(default=None, repr=False)

    @classmethod
    def from_directory(cls, directory: Path) -> TestAppAttester:
        apps = _apps(directory)
        environment = apps.get("appAttestEnvironment", "production")
        env: Environment = "development" if environment == "development" else "production"
        return cls(TestRoot.load(directory), apps["appleAppId"], env)

    def new_install(self) -> TestAppAttester:
        """Another install of the same app: its own key, the same root."""
        return TestAppAttester(self.root, self.app_id, self.environment)

    def evidence(self, challenge: str) -> dict[str, Any]:
        if self._sent:
            # A key is attested once (the service refuses it again); re-attesting means a new key,
            # as an app does after DCAppAttestService refused or lost the old one.
            self.key, self.counter = AppAttestKey.generate(), 0
        self._sent = True
        attestation = self.key.attestation(challenge, self.app_id, self.root, self.environment)
        return {"kind": "apple", "keyId": self.key.key_id_b64, "attestation": _b64(attestation)}

    def assertion(self, challenge: str) -> dict[str, Any] | None:
        return self.assertion_with_counter(challenge, self.counter + 1)

    def assertion_with_counter(self, challenge: str, counter: int) -> dict[str, Any]:
        self.counter = max(self.counter, counter)
        made = self.key.assertion(challenge.encode(), self.app_id, counter)
        return {"keyId": self.key.key_id_b64, "assertion": _b64(made)}

    # What each forgery must be refused as (docs/attestation.md); the check rows iterate this.
    FORGERIES: ClassVar[dict[str, str]] = {
        "wrong-app-id": "app_id_mismatch",
        "other-challenge": "nonce_mismatch",
        "untrusted-root": "untrusted_root",
        "packed-format": "evidence_invalid",
        "padded-chain": "evidence_invalid",
    }

    def forged(self, challenge: str, how: str) -> dict[str, Any]:
        """Evidence the service must refuse: another App ID, another challenge, another root,
        another `fmt`, or an x5c padded with impostor CAs named as Apple's intermediate (once a
        way to burn seconds of the verifier's CPU per request)."""
        key = AppAttestKey.generate()
        app_id, signed_challenge, root = self.app_id, challenge, self.root
        if how in ("packed-format", "padded-chain"):
            return self._reshaped(key, challenge, how)
        if how == "wrong-app-id":
            app_id = "ZZZZZZZZZZ." + self.app_id.partition(".")[2]
        elif how == "other-challenge":
            signed_challenge = secrets.token_urlsafe(32)
        elif how == "untrusted-root":
            if self._other_root is None:
                self._other_root = TestRoot.generate()
            root = self._other_root
        else:
            raise ValueError(f"unknown forgery {how!r}")
        attestation = key.attestation(signed_challenge, app_id, root, self.environment)
        return {"kind": "apple", "keyId": key.key_id_b64, "attestation": _b64(attestation)}

    def _reshaped(self, key: AppAttestKey, challenge: str, how: str) -> dict[str, Any]:
        genuine = key.attestation(challenge, self.app_id, self.root, self.environment)
        if how == "packed-format":
            attestation = reshaped(genuine, fmt="packed")
        else:
            x5c = cbor2.loads(genuine)["attStmt"]["x5c"]
            pads = impostor_cas(self.root.intermediate.subject, 8)
            attestation = reshaped(genuine, x5c=[x5c[0], *pads, x5c[1]])
        return {"kind": "apple", "keyId": key.key_id_b64, "attestation": _b64(attestation)}


def new_install_secret() -> str:
    """What an install generates once and keeps to itself: 256 random bits, base64url unpadded
    (docs/attestation.md; the service accepts 128 to 512 bits)."""
    return secrets.token_urlsafe(32)


@dataclass
class TestPlayIntegrityAttester:
    """A Play Integrity install: a fresh token for each attestation (a classic request, its nonce
    bound to the challenge and to the install's secret), no key to assert with."""

    __test__ = False

    root: TestRoot = field(repr=False)
    package_name: str
    install_secret: str = field(default_factory=new_install_secret, repr=False)
    kind: str = "android"

    @classmethod
    def from_directory(cls, directory: Path) -> TestPlayIntegrityAttester:
        return cls(TestRoot.load(directory), _apps(directory)["androidPackageName"])

    def new_install(self) -> TestPlayIntegrityAttester:
        return TestPlayIntegrityAttester(self.root, self.package_name)

    def nonce(self, challenge: str) -> bytes:
        return sha256(challenge.encode() + self.install_secret.encode()).digest()

    def evidence(self, challenge: str) -> dict[str, Any]:
        token = integrity_token(
            self.root.play, package_name=self.package_name, nonce=self.nonce(challenge)
        )
        return {"kind": "android", "installSecret": self.install_secret, "integrityToken": token}

    def assertion(self, challenge: str) -> dict[str, Any] | None:
        return None  # Play Integrity renews by a new classic request: attest again

    FORGERIES: ClassVar[dict[str, str]] = {
        "wrong-package": "app_id_mismatch",
        "other-challenge": "nonce_mismatch",
        "basic-integrity-only": "integrity_verdict_failed",
        "other-install": "nonce_mismatch",
        "stale-token": "evidence_expired",
    }

    def forged(self, challenge: str, how: str) -> dict[str, Any]:
        """A token the service must refuse: another package, another challenge's nonce, a
        device verdict below MEETS_DEVICE_INTEGRITY, a genuine token of another install
        presented with this install's secret, or a token made an hour ago."""
        package, nonce = self.package_name, self.nonce(challenge)
        verdicts: tuple[str, ...] = ("MEETS_DEVICE_INTEGRITY",)
        timestamp_ms = None
        if how == "wrong-package":
            package = "com.example.repackaged"
        elif how == "other-challenge":
            nonce = self.nonce(secrets.token_urlsafe(32))
        elif how == "basic-integrity-only":
            verdicts = ("MEETS_BASIC_INTEGRITY",)
        elif how == "other-install":
            nonce = self.new_install().nonce(challenge)
        elif how == "stale-token":
            timestamp_ms = int((time.time() - 3600) * 1000)
        else:
            raise ValueError(f"unknown forgery {how!r}")
        token = integrity_token(
            self.root.play,
            package_name=package,
            nonce=nonce,
            device_verdicts=verdicts,
            timestamp_ms=timestamp_ms,
        )
        return {"kind": "android", "installSecret": self.install_secret, "integrityToken": token}
