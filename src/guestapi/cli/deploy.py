"""scripts/deploy.py: sam deploy, then write the stack outputs for the client and the checks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from guestapi.cli.arguments import program_name
from guestapi.deploy import (
    DeployRequest,
    SamDeployFailed,
    World,
    deploy,
    dry_run,
)
from guestapi.errors import GuestApiError
from guestapi.outputs import OUTPUTS_DIR


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name("deploy.py"),
        description=(
            "Deploy template.yaml with `sam deploy --config-env ENV`, then write the stack "
            f"outputs (DescribeStacks) to {OUTPUTS_DIR}/outputs-ENV.json for scripts/check.py."
        ),
    )
    parser.add_argument(
        "--config-env",
        default="default",
        metavar="ENV",
        help="samconfig.toml environment: default (dev) or prod (default: %(default)s)",
    )
    parser.add_argument(
        "--guided", action="store_true", help="pass --guided to sam (first deploy: asks, saves)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the exact commands and run nothing"
    )
    parser.add_argument(
        "--outputs-file",
        type=Path,
        metavar="PATH",
        help=f"where to write the outputs JSON (default: {OUTPUTS_DIR}/outputs-ENV.json)",
    )
    parser.add_argument(
        "--template",
        type=Path,
        default=Path("template.yaml"),
        metavar="PATH",
        help="SAM template; samconfig.toml is read from its directory (default: %(default)s)",
    )
    return parser


def run(argv: Sequence[str] | None = None, world: World | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    request = DeployRequest(
        config_env=args.config_env,
        guided=args.guided,
        template=args.template,
        outputs_file=args.outputs_file,
    )
    world = world or World()
    try:
        if args.dry_run:
            dry_run(request, world)
        else:
            deploy(request, world)
    except SamDeployFailed as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return exc.returncode
    except GuestApiError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # sam has already said where it stopped; CloudFormation may still be working.
        print(
            f"{parser.prog}: interrupted; check the stack's state before deploying again",
            file=sys.stderr,
        )
        return 130
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv)
