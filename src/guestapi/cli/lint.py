"""scripts/lint.py: cfn-lint, sam validate --lint and checkov on the template."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from guestapi.cli.arguments import program_name
from guestapi.errors import GuestApiError
from guestapi.lint import report, run_lint


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name("lint.py"),
        description=(
            "Lint the SAM template with cfn-lint, `sam validate --lint` and checkov. "
            "Exit 0: no findings; 1: findings (printed); 2: a tool or the template is missing "
            "or the template does not parse."
        ),
    )
    parser.add_argument(
        "--template",
        type=Path,
        default=Path("template.yaml"),
        metavar="PATH",
        help="template to lint (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        results = run_lint(args.template)
    except GuestApiError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    return report(results)
