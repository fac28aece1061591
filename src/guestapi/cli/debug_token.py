"""`scripts/debug_token.py`: make an attestation debug token, or hash one you have.

    debug_token.py new           a new token (printed once: keep it in your CI's secret store)
                                 and its SHA-256, the value DebugTokenHashes takes
    debug_token.py hash          the SHA-256 of the token in GUESTAPI_DEBUG_TOKEN (or on stdin)

The stack stores only hashes (the DebugTokenHashes parameter, an SSM StringList), so a leaked
template, parameter or log reveals no token. Tokens are 256 random bits: a hash of one cannot be
reversed by guessing. They are refused when Environment is prod, unless AllowDebugTokensInProd.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import sys
from collections.abc import Sequence

from guestapi.cli.arguments import program_name
from guestapi.client.attesters import DEBUG_TOKEN_VARIABLE


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
        token = secrets.token_urlsafe(32)
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
    print(token_hash(token))
    return 0
