"""Debug tokens (simulators, CI): only their SHA-256 hashes are stored, in an SSM StringList."""

from __future__ import annotations

import hashlib
import hmac

from attest_errors import Refusal

NO_TOKENS = "none"  # the StringList cannot be empty: this value means "no token registered"


def registered_hashes(value: str) -> list[str]:
    hashes = [h.strip().lower() for h in value.split(",")]
    return [h for h in hashes if h and h != NO_TOKENS]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def developer_user_id(token: str, registered: list[str]) -> str:
    """`debug.<first 16 hex digits of SHA256(token)>` for a registered token, else a Refusal."""
    digest = token_hash(token)
    # Constant-time comparisons, and all of them: the answer's timing says nothing of the hashes.
    matches = [hmac.compare_digest(digest.encode(), known.encode()) for known in registered]
    if not any(matches):
        raise Refusal("debug_token_unknown")
    return "debug." + digest[:16]
