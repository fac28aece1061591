"""TEST Play Integrity tokens: what the Play Integrity API hands an app, made with test keys
instead of Google's (a JWE around an ES256 JWS, as docs/aws-behaviour.md describes; python-jose
makes both, as pyattest reads both with it). Never for production.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives import serialization
from jose import jwe, jws

from guestapi.attestation.test_root import PlayIntegrityKeys


def nonce_b64url(nonce: bytes) -> str:
    # With padding: pyattest decodes requestDetails.nonce with base64.urlsafe_b64decode, which
    # refuses unpadded input (Android's Base64.URL_SAFE | NO_WRAP keeps the padding too).
    return base64.urlsafe_b64encode(nonce).decode()


def verdict_payload(
    *,
    package_name: str,
    nonce: bytes,
    app_verdict: str = "PLAY_RECOGNIZED",
    device_verdicts: Sequence[str] = ("MEETS_DEVICE_INTEGRITY",),
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """Google's verdict format (the fields the attestation service reads, and a few more)."""
    return {
        "requestDetails": {
            "requestPackageName": package_name,
            "nonce": nonce_b64url(nonce),
            "timestampMillis": str(
                int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
            ),
        },
        "appIntegrity": {
            "appRecognitionVerdict": app_verdict,
            "packageName": package_name,
            "certificateSha256Digest": [],
            "versionCode": "1",
        },
        "deviceIntegrity": {"deviceRecognitionVerdict": list(device_verdicts)},
        "accountDetails": {"appLicensingVerdict": "LICENSED"},
    }


def integrity_token(
    keys: PlayIntegrityKeys,
    *,
    package_name: str,
    nonce: bytes,
    app_verdict: str = "PLAY_RECOGNIZED",
    device_verdicts: Sequence[str] = ("MEETS_DEVICE_INTEGRITY",),
    timestamp_ms: int | None = None,
    payload: dict[str, Any] | None = None,
) -> str:
    """A TEST integrity token over `nonce` (raw bytes; the payload carries it base64url).

    `payload` replaces the whole verdict, for forgeries the keyword arguments cannot express.
    """
    verdict = payload or verdict_payload(
        package_name=package_name,
        nonce=nonce,
        app_verdict=app_verdict,
        device_verdicts=device_verdicts,
        timestamp_ms=timestamp_ms,
    )
    signing_pem = keys.signing_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signed = jws.sign(json.dumps(verdict).encode(), signing_pem.decode(), algorithm="ES256")
    token = jwe.encrypt(signed, keys.decryption_key, algorithm="A256KW", encryption="A256GCM")
    return token.decode() if isinstance(token, bytes) else token
