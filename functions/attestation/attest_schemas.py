"""JSON schemas of the request bodies (docs/attestation.md), checked with powertools validation.

Members are bounded so that a scripted caller cannot make the function parse megabytes; other
members are allowed, so that a newer app does not break against an older stack.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from attest_errors import Refusal
from aws_lambda_powertools.utilities.validation import SchemaValidationError, validate

_CHALLENGE = {"type": "string", "minLength": 1, "maxLength": 256}
# Standard alphabet, padding optional; a key id is 32 bytes (44 characters padded).
_KEY_ID = {"type": "string", "pattern": "^[A-Za-z0-9+/]{43}=?$"}


def _body(required: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": required}


CHALLENGE_REQUEST = {"type": "object"}
ATTEST = _body({"kind": {"enum": ["apple", "android", "debug"]}, "challenge": _CHALLENGE})
ATTEST_APPLE = _body({"keyId": _KEY_ID, "attestation": {"type": "string", "maxLength": 65536}})
ATTEST_ANDROID = _body(
    {
        "installId": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
        "integrityToken": {"type": "string", "maxLength": 65536},
    }
)
ATTEST_DEBUG = _body({"debugToken": {"type": "string", "minLength": 1, "maxLength": 512}})
REFRESH = _body(
    {
        "keyId": _KEY_ID,
        "challenge": _CHALLENGE,
        "assertion": {"type": "string", "maxLength": 8192},
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
    """Standard base64, padding optional; binascii.Error (a ValueError) when it is not."""
    return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)


def key_id(value: str) -> bytes:
    try:
        return b64decode(value)
    except binascii.Error:
        raise Refusal("malformed_request", "keyId") from None


def evidence_bytes(value: str) -> bytes:
    """Evidence that is not base64 is evidence that cannot be decoded: evidence_invalid."""
    try:
        return b64decode(value)
    except binascii.Error:
        raise Refusal("evidence_invalid", "base64") from None
