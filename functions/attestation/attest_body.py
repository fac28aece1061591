"""The request body, bounded before it is parsed (docs/attestation.md, "Limits").

Both bounds are checked on the raw text with str methods that run in C, before json sees it:
- at most BODY_MAX_CHARS characters: the routes are unsigned, and API Gateway hands a Lambda up to
  6 MB, whose parse alone would cost more than any genuine request;
- at most MAX_OPENING_BRACKETS `[` and `{` characters in all. CPython's json parser recurses once
  per level, so a body nested 100k deep raises RecursionError deep inside it; nesting can never be
  deeper than the number of opening brackets, so counting them bounds the depth without a parse.
  No genuine member holds a bracket (every value is base64, base64url or a kind name).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from attest_errors import Refusal

BODY_MAX_CHARS = 65_536
MAX_OPENING_BRACKETS = 32


def bounded_json(text: str, max_chars: int | None = None) -> Any:
    """`text` parsed, or malformed_request when it is over the bounds (BODY_MAX_CHARS unless
    `max_chars`) or not JSON."""
    max_chars = BODY_MAX_CHARS if max_chars is None else max_chars
    if len(text) > max_chars:
        raise Refusal("malformed_request", f"over {max_chars} characters")
    if text.count("[") + text.count("{") > MAX_OPENING_BRACKETS:
        raise Refusal("malformed_request", f"over {MAX_OPENING_BRACKETS} opening brackets")
    try:
        return json.loads(text)
    except ValueError:  # JSONDecodeError, and int() of a number over Python's digit limit
        raise Refusal("malformed_request", "not JSON") from None


def parse(raw: str | None, *, base64_encoded: bool = False) -> Any:
    """The body of a proxy event: None when empty, else its JSON value (bounded)."""
    if raw is None:
        return None
    if base64_encoded:  # only with binary media types; bounded before it is decoded too
        if len(raw) > BODY_MAX_CHARS * 4 // 3 + 4:
            raise Refusal("malformed_request", f"over {BODY_MAX_CHARS} characters")
        try:
            raw = base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Refusal("malformed_request", "body encoding") from None
    if len(raw) > BODY_MAX_CHARS:
        raise Refusal("malformed_request", f"over {BODY_MAX_CHARS} characters")
    if not raw.strip():
        return None
    return bounded_json(raw)
