"""JSON schemas of the request bodies (docs/attestation.md), checked with powertools validation.

Every member is bounded, so that what follows (base64 and CBOR decoding, a DynamoDB write, a
verifier) only ever sees inputs of a known size; other members are allowed, so that a newer app
does not break against an older stack. The body as a whole was bounded before it was parsed
(attest_body).
"""

from __future__ import annotations

import base64
from typing import Any

from attest_errors import Refusal
from attest_secrets import MAX_CHARS as SECRET_MAX_CHARS
from attest_shapes import ASSERTION_MAX_BYTES, ATTESTATION_MAX_BYTES, INTEGRITY_TOKEN_MAX_CHARS
from aws_lambda_powertools.utilities.validation import SchemaValidationError, validate


def _base64_chars(max_bytes: int) -> int:
    return (max_bytes + 2) // 3 * 4  # padded standard base64 of max_bytes bytes


# The service's own challenges: 32 random bytes, base64url without padding (attest_challenges).
_CHALLENGE = {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"}
# Standard alphabet, padding optional; a key id is 32 bytes (44 characters padded).
_KEY_ID = {"type": "string", "pattern": "^[A-Za-z0-9+/]{43}=?$"}
# Length and alphabet only here: attest_secrets says why a well-formed secret is still too weak.
_SECRET = {"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "maxLength": SECRET_MAX_CHARS}


def _body(required: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": required, **extra}


CHALLENGE_REQUEST = {"type": "object"}
ATTEST = _body({"kind": {"enum": ["apple", "android", "debug"]}, "challenge": _CHALLENGE})
ATTEST_APPLE = _body(
    {
        "keyId": _KEY_ID,
        "attestation": {"type": "string", "maxLength": _base64_chars(ATTESTATION_MAX_BYTES)},
    }
)
ATTEST_ANDROID = _body(
    {
        "installSecret": _SECRET,
        "integrityToken": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_.-]+$",
            "maxLength": INTEGRITY_TOKEN_MAX_CHARS,
        },
    },
    # The client-chosen installId of earlier versions is refused outright: an id anyone could
    # learn from the install's traffic must not silently keep working as its identity.
    **{"not": {"required": ["installId"]}},
)
ATTEST_DEBUG = _body({"debugToken": _SECRET})
REFRESH = _body(
    {
        "keyId": _KEY_ID,
        "challenge": _CHALLENGE,
        "assertion": {"type": "string", "maxLength": _base64_chars(ASSERTION_MAX_BYTES)},
    }
)


def check(body: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """`body` if it matches, else malformed_request. The log detail names the member and the
    rule only: powertools' own message quotes the value, which may be a token."""
    try:
        validate(event=body, schema=schema)
    except SchemaValidationError as exc:
        raise Refusal("malformed_request", f"{exc.name}: {exc.rule}") from None
    return body


def b64decode(value: str) -> bytes:
    """Standard base64, padding optional. ValueError when it is not: binascii.Error for a wrong
    character or length, a plain ValueError for a character outside ASCII."""
    return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)


def key_id(value: str) -> bytes:
    try:
        return b64decode(value)
    except ValueError:
        raise Refusal("malformed_request", "keyId") from None


def evidence_bytes(value: str) -> bytes:
    """Evidence that is not base64 is evidence that cannot be decoded: evidence_invalid."""
    try:
        return b64decode(value)
    except ValueError:
        raise Refusal("evidence_invalid", "base64") from None
