"""Play Integrity: classic requests' tokens, decrypted and verified locally by pyattest with the
app's keys, its exceptions mapped to the contract's refusal codes.

Imported only once a request has passed the cheap checks (attest_service), so a refusal of a
malformed request never pays for pyattest and python-jose.
"""

from __future__ import annotations

import asyncio
import json
from hashlib import sha256
from typing import Any

from attest_errors import Refusal
from pyattest import exceptions as pa
from pyattest.attestation import Attestation
from pyattest.configs.google_play_integrity_api import GooglePlayIntegrityApiConfig
from pyattest.verifiers.google_play_integrity_attestation import (
    GooglePlayIntegrityAttestationVerifier,
)

_CODES: tuple[tuple[type[Exception], str], ...] = (
    (pa.InvalidAppIdException, "app_id_mismatch"),
    (pa.InvalidNonceException, "nonce_mismatch"),
    (pa.InvalidAppIntegrity, "integrity_verdict_failed"),
    (pa.InvalidDeviceIntegrity, "integrity_verdict_failed"),
)
# As in attest_apple: the token is the caller's, and whatever python-jose, cryptography or
# pyattest raise on it means "not verified", a coded refusal.
VERIFICATION_ERRORS: tuple[type[Exception], ...] = (Exception,)
# requestDetails.timestampMillis is Google's clock, the challenge's lifetime ours: this much
# disagreement between the two is tolerated either way (docs/attestation.md).
TIMESTAMP_SKEW_S = 60


class PlayIntegrityVerifier(GooglePlayIntegrityAttestationVerifier):
    """pyattest's verifier, with two of its failure modes read as what they mean.

    - Google omits `deviceRecognitionVerdict` (and can omit `appIntegrity` members) when a device
      meets no integrity level; pyattest then fails with TypeError/AttributeError, which would
      read as undecodable evidence rather than as the failed verdict it is.
    - pyattest decodes `requestDetails.nonce` with urlsafe_b64decode, which refuses unpadded
      base64url (Android's Base64.NO_PADDING): the padding is restored before its comparison.
    """

    def check_app_integrity(self, app_integrity: Any) -> None:
        super().check_app_integrity(app_integrity if isinstance(app_integrity, dict) else {})

    def check_device_integrity(self, device_integrity: Any) -> None:
        verdicts = (device_integrity or {}).get("deviceRecognitionVerdict") or []
        super().check_device_integrity({"deviceRecognitionVerdict": list(verdicts)})

    def verify_nonce(self, nonce: Any) -> None:
        if not isinstance(nonce, str):
            raise pa.InvalidNonceException
        super().verify_nonce(nonce + "=" * (-len(nonce) % 4))


class PlayIntegrityConfig(GooglePlayIntegrityApiConfig):
    attestation_verifier_class = PlayIntegrityVerifier


def parse_keys(value: str) -> tuple[str, str]:
    """(decryptionKey, verificationKey) from the SecureString's JSON; ValueError if not that."""
    data = json.loads(value)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    decryption, verification = data.get("decryptionKey"), data.get("verificationKey")
    if not isinstance(decryption, str) or not isinstance(verification, str):
        raise ValueError("decryptionKey and verificationKey must be strings")
    return decryption, verification


def expected_nonce(challenge: str, install_secret: str) -> bytes:
    """A classic request's nonce, set by the install: it binds the token to this challenge and
    to the secret only this install holds, so no other install can present it
    (docs/attestation.md)."""
    return sha256(challenge.encode() + install_secret.encode()).digest()


def make_config(
    keys: tuple[str, str],
    package_name: str,
    config_class: type[GooglePlayIntegrityApiConfig] = PlayIntegrityConfig,
) -> GooglePlayIntegrityApiConfig:
    """ValueError/binascii.Error when the stored keys are not base64 keys of the right kind."""
    decryption, verification = keys
    # production=True: the app and device verdicts are checked, not only the request details.
    return config_class(decryption, verification, package_name, production=True)


def check_timestamp(request_details: Any, now: float, lifetime_s: int) -> None:
    """The token was made during the challenge's lifetime: not before `now - lifetime_s` and not
    in the future, each give or take TIMESTAMP_SKEW_S."""
    try:
        made = int(request_details["timestampMillis"]) / 1000
    except (KeyError, TypeError, ValueError, OverflowError):  # missing, not a number, infinite
        raise Refusal("evidence_invalid", "timestampMillis") from None
    if not now - lifetime_s - TIMESTAMP_SKEW_S <= made <= now + TIMESTAMP_SKEW_S:
        raise Refusal("evidence_expired", "timestampMillis")


def verify_integrity_token(
    token: str,
    challenge: str,
    install_secret: str,
    config: GooglePlayIntegrityApiConfig,
    *,
    now: float,
    lifetime_s: int,
) -> None:
    attestation = Attestation(token, expected_nonce(challenge, install_secret), config)
    try:
        asyncio.run(attestation.verify())
        request_details = attestation.data["data"]["requestDetails"]
    except VERIFICATION_ERRORS as exc:
        for kind, code in _CODES:
            if isinstance(exc, kind):
                raise Refusal(code, type(exc).__name__) from None
        raise Refusal("evidence_invalid", type(exc).__name__) from None
    check_timestamp(request_details, now, lifetime_s)
