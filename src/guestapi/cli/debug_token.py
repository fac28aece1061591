"""`scripts/debug_token.py`: make an attestation debug token, or hash one you have.

    debug_token.py new           a new token (printed once: keep it in your CI's secret store)
                                 and its SHA-256, the value DebugTokenHashes takes
    debug_token.py hash          the SHA-256 of the token in GUESTAPI_DEBUG_TOKEN (or on stdin)

The stack stores only hashes (the DebugTokenHashes parameter, an SSM StringList), so a leaked
template, parameter or log reveals no token. Tokens are 256 random bits: a hash of one cannot be
reversed by guessing. `hash` refuses a token the service would refuse (docs/attestation.md,
"Secrets": under 128 bits, or too repetitive), so that no weak token is ever registered. Tokens
are refused when Environment is prod, unless AllowDebugTokensInProd.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import secrets
import sys
from collections.abc import Sequence

from guestapi.cli.arguments import program_name
from guestapi.client.attesters import DEBUG_TOKEN_VARIABLE

TOKEN_BYTES = 32  # 256 bits; 43 characters of base64url
# The service's rule (functions/attestation/attest_secrets.py, which the Lambda package cannot
# share with this one); tests/unit/test_debug_token_cli.py holds the two to the same answers.
MIN_CHARS, MAX_CHARS, MIN_DISTINCT = 22, 86, 10
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def weakness(token: str) -> str | None:
    """Why the service would refuse `token` as weak_secret or malformed, or None."""
    if not _BASE64URL.fullmatch(token):
        return "not base64url"
    if not MIN_CHARS <= len(token) <= MAX_CHARS:
        return f"not {MIN_CHARS} to {MAX_CHARS} characters (128 to 512 bits)"
    distinct = set(token)
    if len(distinct) < MIN_DISTINCT:
        return f"under {MIN_DISTINCT} distinct characters"
    if max(token.count(c) for c in distinct) * 2 > len(token):
        return "one character fills over half of it"
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name("debug_token.py"),
        description="Attestation debug tokens: make one, or hash one.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("new", help="print a new token and its hash")
    sub.add_parser("hash", help=f"print the hash of ${DEBUG_TOKEN_VARIABLE} (or of stdin)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "new":
        token = secrets.token_urlsafe(TOKEN_BYTES)
        print(f"token: {token}")
        print(f"hash:  {token_hash(token)}")
        print(
            "Keep the token secret (CI secret store, simulator config); deploy with "
            "--parameter-overrides DebugTokenHashes=<hash>[,<hash>...]",
            file=sys.stderr,
        )
        return 0
    token = os.environ.get(DEBUG_TOKEN_VARIABLE) or sys.stdin.readline().strip()
    if not token:
        print(f"{parser.prog}: no token in {DEBUG_TOKEN_VARIABLE} or on stdin", file=sys.stderr)
        return 2
    why = weakness(token)
    if why is not None:
        print(
            f"debug_token.py: refused to hash a weak token ({why}); make one with "
            "`debug_token.py new`",
            file=sys.stderr,
        )
        return 2
    print(token_hash(token))
    return 0
