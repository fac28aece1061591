"""`make demo`: deploy template.yaml into the offline stack, run the check suite, stop.

The whole promise in one command and a few seconds, with no AWS account: a guest gets in by
signing, and nobody else gets in. Exit code: the suite's (0 all pass, 1 some fail, 2 the stack
could not start or a scenario file is bad).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from guestapi.assets import template_path
from guestapi.checks.modes import MODES
from guestapi.cli.arguments import add_suite_arguments, add_template_argument, program_name
from guestapi.cli.check import run_suite
from guestapi.client.attesters import attester_from_spec
from guestapi.errors import GuestApiError
from guestapi.offline import attestation_root, launch


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name("demo.py"),
        description="Start the offline stack from template.yaml, run the check suite, stop.",
    )
    add_template_argument(parser)
    add_suite_arguments(
        parser,
        events_help="scenario directory; repeat to add your own "
        "(default: the project's events/, shipped with the package)",
    )
    parser.add_argument(
        "--attestation-mode",
        choices=MODES,
        default="off",
        help="deploy with this AttestationMode; monitor and enforce also trust a throwaway "
        "test root CA and run the attested-install checks with test App Attest evidence",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        template = args.template if args.template is not None else template_path()
        print(f"starting the offline stack from {template} ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="guestapi-test-root-") as scratch:
            code = _run(args, template, Path(scratch))
        print("offline stack stopped.")
    except GuestApiError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        code = 2
    except OSError as exc:
        print(f"{parser.prog}: {exc.strerror or exc} ({exc.filename or 'socket'})", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
    print(
        f"wall time: {time.monotonic() - started:.2f} s (start the offline stack, run the suite, stop)"
    )
    return code


def _run(args: argparse.Namespace, template: Path, scratch: Path) -> int:
    overrides: dict[str, str] = {}
    setup = None
    if args.attestation_mode != "off":
        # A throwaway test root: trusted by this run's stack only, gone when it stops.
        setup = attestation_root.prepare(scratch, {"AttestationMode": args.attestation_mode})
        overrides = setup.overrides
    offline = launch.build(template, overrides=overrides)
    if setup is not None:
        attestation_root.apply(offline, setup)
    with launch.running(offline) as outputs:
        attester = None
        if setup is not None:
            outputs["AttestationTestRoot"] = str(setup.directory)
            attester = attester_from_spec("test-apple", outputs)
        return run_suite(
            outputs,
            args.events or None,
            json_path=args.json,
            junit_path=args.junit,
            attester=attester,
        )
