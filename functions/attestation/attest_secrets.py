"""Secrets a caller proves it holds: an Android install's installSecret and a debug token.

Whoever presents the secret gets its identity, so it must not be guessable and must not be
something another install could learn: the service stores and logs neither, only hashes.

The rule (docs/attestation.md, "Secrets"), checked before any lookup or write:
- 22 to 86 characters of base64url (A-Z a-z 0-9 - _), which is 128 to 512 bits when the
  characters are random (as `secrets.token_urlsafe(16)` or Android's
  `Base64.encodeToString(bytes, URL_SAFE | NO_PADDING | NO_WRAP)` of 16+ random bytes make them);
- at least 10 distinct characters, none of them filling more than half the value: this refuses
  placeholders and constants ("AAAA…", "install-0001-install-0001", "token-xxxxxxxx…"). It cannot
  see every weak value; a random one fails it with probability below 3e-9 (22 characters).
"""

from __future__ import annotations

import base64
import hashlib
import re

from attest_errors import Refusal

MIN_CHARS = 22
MAX_CHARS = 86
MIN_DISTINCT = 10
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
# The Android developer user id: a hash of the secret, with its own label so that it can never
# equal a Play Integrity nonce (SHA256(challenge + secret)) or any other hash of the secret.
_INSTALL_ID_LABEL = b"guestapi/android-install-id/v1\x00"
INSTALL_ID_CHARS = 32  # of base64url: 192 bits of the hash


def weakness(value: str) -> str | None:
    """Why `value` is not a usable secret, or None when it is."""
    if not _BASE64URL.fullmatch(value):
        return "not base64url"
    if len(value) < MIN_CHARS:
        return f"under {MIN_CHARS} characters"
    if len(value) > MAX_CHARS:
        return f"over {MAX_CHARS} characters"
    if len(set(value)) < MIN_DISTINCT:
        return f"under {MIN_DISTINCT} distinct characters"
    if max(value.count(c) for c in set(value)) * 2 > len(value):
        return "one character fills over half of it"
    return None


def require_strong(value: str, member: str) -> None:
    """weak_secret unless `value` follows the rule; the log names the member and the rule only."""
    why = weakness(value)
    if why is not None:
        raise Refusal("weak_secret", f"{member}: {why}")


def android_user_id(install_secret: str) -> str:
    """`android.` + the first 32 characters of base64url(SHA256(label + secret)): one identity per
    secret, and nothing in it (or in the IdentityId Cognito derives) gives the secret back."""
    digest = hashlib.sha256(_INSTALL_ID_LABEL + install_secret.encode()).digest()
    return "android." + base64.urlsafe_b64encode(digest).decode()[:INSTALL_ID_CHARS]
