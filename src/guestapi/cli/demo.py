"""`make demo`: deploy template.yaml into the offline stack, run the check suite, stop.

The whole promise in one command and a few seconds, with no AWS account: a guest gets in by
signing, and nobody else gets in. Exit code: the suite's (0 all pass, 1 some fail, 2 the stack
could not start or a scenario file is bad).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from guestapi.assets import events_dir, template_path
from guestapi.cli.arguments import add_suite_arguments, add_template_argument
from guestapi.cli.check import run_suite
from guestapi.errors import GuestApiError
from guestapi.offline import launch


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="demo.py",
        description="Start the offline stack from template.yaml, run the check suite, stop.",
    )
    add_template_argument(parser)
    add_suite_arguments(
        parser,
        events_help="scenario directory; repeat to add your own "
        "(default: the project's events/, shipped with the package)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.monotonic()
    try:
        template = args.template if args.template is not None else template_path()
        events = args.events or [events_dir()]
        print(f"starting the offline stack from {template} ...", flush=True)
        with launch.serve(template) as outputs:
            code = run_suite(
                outputs, events, json_path=args.json, junit_path=args.junit, template=template
            )
        print("offline stack stopped.")
    except GuestApiError as exc:
        print(f"demo.py: {exc}", file=sys.stderr)
        code = 2
    except OSError as exc:
        print(f"demo.py: {exc.strerror or exc} ({exc.filename or 'socket'})", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("demo.py: interrupted", file=sys.stderr)
        return 130
    print(
        f"wall time: {time.monotonic() - started:.2f} s (start the offline stack, run the suite, stop)"
    )
    return code
