"""The evidence's shape, checked before a challenge is spent or a verifier library is imported.

Every check here is a type, a count or a length taken from the format's own definition, so a
refusal costs one bounded CBOR or base64 decode and nothing else; the verifiers (attest_apple,
attest_android) then only ever see evidence of the exact shape they expect. A shape failure is
`evidence_invalid`, with the failing field in the log.

- App Attest attestation object (Apple, "Validating apps that connect to your server"; the
  authenticator data layout is WebAuthn's): a CBOR map with `fmt` = "apple-appattest",
  `attStmt` = {`x5c`: [credCert, intermediate CA], `receipt`} and `authData` = rpIdHash (32) |
  flags (1) | counter (4) | aaguid (16) | credentialIdLength (2) | credentialId (32, the key id) |
  the credential public key (COSE) and, from iOS 27, extension data. Exactly two certificates:
  the chain is built from those two and the one configured root, nothing else (a padded x5c once
  cost pyhanko's path building >10 s of CPU per request).
- App Attest assertion: a CBOR map with `signature` (DER ECDSA P-256) and `authenticatorData` =
  rpIdHash (32) | flags (1) | counter (4), possibly followed by extension data.
- Play Integrity token (Google, "Integrity verdicts": a JWE of a JWS, A256KW and A256GCM): a compact
  JWE of five base64url parts; with those algorithms (RFC 7518) the wrapped key is 40 bytes, the
  IV 12 and the tag 16.
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
from dataclasses import dataclass
from typing import Any

import cbor2
from attest_body import bounded_json
from attest_errors import Refusal

APPLE_FORMAT = "apple-appattest"
X5C_CERTIFICATES = 2
ATTESTATION_MAX_BYTES = 16_384  # Apple's are about 6 KB, most of it the receipt
ASSERTION_MAX_BYTES = 1_024  # about 150 bytes
CERTIFICATE_MAX_BYTES = 4_096  # Apple's credCert is about 1 KB, the intermediate 600 bytes
RECEIPT_MAX_BYTES = 8_192  # about 4 KB
CREDENTIAL_ID_BYTES = 32
_ATTESTED_PREFIX = 32 + 1 + 4 + 16  # rpIdHash, flags, counter, aaguid
AUTH_DATA_MIN_BYTES = _ATTESTED_PREFIX + 2 + CREDENTIAL_ID_BYTES
AUTH_DATA_MAX_BYTES = 1_024
_ATTESTED_CREDENTIAL_DATA = 0x40  # flags bit AT: authData carries the credential (WebAuthn)
ASSERTION_AUTH_DATA_MIN_BYTES = 32 + 1 + 4
ASSERTION_AUTH_DATA_MAX_BYTES = 512
SIGNATURE_MIN_BYTES, SIGNATURE_MAX_BYTES = 8, 72  # DER ECDSA-Sig-Value over P-256
_DER_SEQUENCE = 0x30

INTEGRITY_TOKEN_MAX_CHARS = 16_384
_JWE_HEADER_MAX_CHARS = 1_024
_JWE_SIZES = {1: 40, 2: 12, 4: 16}  # part index: bytes (wrapped CEK, IV, tag)


@dataclass(frozen=True)
class AttestationShape:
    """What the service keeps from a well-shaped attestation before it is verified."""

    receipt: bytes


def _bad(field: str) -> Refusal:
    return Refusal("evidence_invalid", f"shape: {field}")


def _cbor(raw: bytes, max_bytes: int, max_depth: int) -> Any:
    """One CBOR item filling `raw` exactly: definite lengths, no duplicate keys, bounded."""
    if len(raw) > max_bytes:
        raise _bad(f"over {max_bytes} bytes")
    stream = io.BytesIO(raw)
    decoder = cbor2.CBORDecoder(
        stream, max_depth=max_depth, allow_indefinite=False, allow_duplicate_keys=False
    )
    try:
        value = decoder.decode()
    # The caller's bytes, fully: whatever cbor2 raises on them (CBORDecodeError, which is not a
    # ValueError, and the errors of its tag decoders) means they are not our CBOR.
    except Exception as exc:
        raise _bad(f"CBOR {type(exc).__name__}") from None
    if stream.tell() != len(raw):
        raise _bad("bytes after the CBOR item")
    return value


def _bytes(value: Any, field: str, low: int, high: int) -> bytes:
    # type() is: a tagged item decodes to another type, and bytes subclasses are not expected.
    if type(value) is not bytes or not low <= len(value) <= high:
        raise _bad(field)
    return value


def _map(value: Any, field: str, keys: tuple[str, ...]) -> dict[Any, Any]:
    if type(value) is not dict or any(key not in value for key in keys):
        raise _bad(field)
    return value


def check_format(value: Any) -> None:
    """`fmt` is Apple's: pyattest reads the rest of the object without ever looking at it."""
    if type(value) is not str or value != APPLE_FORMAT:
        raise _bad("fmt")


def check_x5c(value: Any) -> None:
    """Exactly [credCert, intermediate], each a DER SEQUENCE within bounds."""
    if type(value) is not list or len(value) != X5C_CERTIFICATES:
        raise _bad(f"x5c of {len(value) if type(value) is list else 'no'} certificates")
    for index, certificate in enumerate(value):
        der = _bytes(certificate, f"x5c[{index}]", 2, CERTIFICATE_MAX_BYTES)
        if der[0] != _DER_SEQUENCE:
            raise _bad(f"x5c[{index}] not DER")


def check_auth_data(value: Any) -> None:
    auth_data = _bytes(value, "authData", AUTH_DATA_MIN_BYTES, AUTH_DATA_MAX_BYTES)
    if not auth_data[32] & _ATTESTED_CREDENTIAL_DATA:
        raise _bad("authData flags")
    (length,) = struct.unpack_from("!H", auth_data, _ATTESTED_PREFIX)
    if length != CREDENTIAL_ID_BYTES:
        raise _bad("credentialIdLength")


def check_attestation(raw: bytes) -> AttestationShape:
    """The attestation object's shape (module docstring), or evidence_invalid."""
    top = _map(_cbor(raw, ATTESTATION_MAX_BYTES, 3), "object", ("fmt", "attStmt", "authData"))
    check_format(top["fmt"])
    statement = _map(top["attStmt"], "attStmt", ("x5c", "receipt"))
    check_x5c(statement["x5c"])
    receipt = _bytes(statement["receipt"], "receipt", 1, RECEIPT_MAX_BYTES)
    check_auth_data(top["authData"])
    return AttestationShape(receipt)


def check_assertion(raw: bytes) -> None:
    """The assertion's shape (module docstring), or evidence_invalid."""
    top = _map(_cbor(raw, ASSERTION_MAX_BYTES, 1), "object", ("signature", "authenticatorData"))
    signature = _bytes(top["signature"], "signature", SIGNATURE_MIN_BYTES, SIGNATURE_MAX_BYTES)
    if signature[0] != _DER_SEQUENCE:
        raise _bad("signature not DER")
    _bytes(
        top["authenticatorData"],
        "authenticatorData",
        ASSERTION_AUTH_DATA_MIN_BYTES,
        ASSERTION_AUTH_DATA_MAX_BYTES,
    )


def _b64url(part: str) -> bytes:
    return base64.b64decode(part + "=" * (-len(part) % 4), altchars=b"-_", validate=True)


def check_integrity_token(token: str) -> None:
    """A compact JWE as Google makes it (module docstring), or evidence_invalid."""
    parts = token.split(".")
    if len(token) > INTEGRITY_TOKEN_MAX_CHARS or len(parts) != 5 or not parts[3]:
        raise _bad("JWE parts")
    if len(parts[0]) > _JWE_HEADER_MAX_CHARS:
        raise _bad("JWE header size")
    try:
        header = bounded_json(_b64url(parts[0]).decode("utf-8"), _JWE_HEADER_MAX_CHARS)
        sizes = {index: len(_b64url(parts[index])) for index in _JWE_SIZES}
        _b64url(parts[3])
    except (binascii.Error, ValueError, Refusal):  # base64, UTF-8, JSON
        raise _bad("JWE encoding") from None
    if type(header) is not dict or header.get("alg") != "A256KW" or header.get("enc") != "A256GCM":
        raise _bad("JWE algorithms")
    if "zip" in header:
        raise _bad("JWE zip")
    if sizes != _JWE_SIZES:
        raise _bad("JWE key, IV or tag size")
