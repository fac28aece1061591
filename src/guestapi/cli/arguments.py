"""Command-line options several entry points share, spelled the same in each."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def program_name(script: str) -> str:
    """The name the command was run by, for usage lines and error prefixes: the console
    script's (`guestapi-local`) when run as one, else the script's (`local.py`)."""
    invoked = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return invoked if invoked.startswith("guestapi-") else script


def add_template_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--template",
        type=Path,
        default=None,
        metavar="PATH",
        help="SAM template (default: the project's template.yaml, shipped with the package)",
    )


def add_suite_arguments(parser: argparse.ArgumentParser, *, events_help: str) -> None:
    """--events (repeatable), --json and --junit: where scenarios come from, where results go."""
    parser.add_argument("--events", type=Path, action="append", metavar="DIR", help=events_help)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--junit", type=Path, metavar="PATH", help="also write JUnit XML")


def add_attest_argument(parser: argparse.ArgumentParser) -> None:
    """--attest SPEC: call as an attested install (guestapi.client.attesters)."""
    parser.add_argument(
        "--attest",
        metavar="SPEC",
        help="act as an attested install: debug:TOKEN, debug:env (GUESTAPI_DEBUG_TOKEN), "
        "test-apple or test-android (offline stack with --attestation-test-root)",
    )
