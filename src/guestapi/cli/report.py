"""`scripts/report.py attestation`: the numbers to switch AttestationMode monitor -> enforce.

For each method, the share of its signed calls in the last `--since` that came from attested
installs, then one recommendation line. Read from the stack's API Gateway access log: through
CloudWatch Logs Insights on AWS (output `AccessLogGroupName`, EnableAccessLogs=true), or the file
the offline stack writes with `local.py --access-log` (output `AccessLogFile`). Exit 0 with a
report, 2 when there is nothing to read (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.session

from guestapi.cli.check import add_target_arguments, resolve_outputs
from guestapi.errors import GuestApiError
from guestapi.report import access_log, attestation
from guestapi.report.access_log import AccessLogError, CallCounts


def build_parser(prog: str = "report.py") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
    attested = reports.add_parser(
        "attestation",
        help="share of each method's calls from attested installs vs guests (monitor mode)",
    )
    add_target_arguments(attested)
    attested.add_argument(
        "--since", default="24h", help="how far back to look: 24h (default), 90m, 7d"
    )
    attested.add_argument(
        "--access-log",
        type=Path,
        metavar="PATH",
        help="read this access-log file instead of the one the outputs name",
    )
    return parser


def _counts(
    args: argparse.Namespace, outputs: dict[str, str], since: datetime, logs_client: Any
) -> CallCounts:
    path = args.access_log or (
        Path(outputs["AccessLogFile"]) if outputs.get("AccessLogFile") else None
    )
    if path is not None:
        return access_log.read_file(path, since)
    group = outputs.get("AccessLogGroupName")
    if not group:
        raise AccessLogError(
            "this stack writes no access log: deploy it with EnableAccessLogs=true (monitor "
            "mode's caller field is in it), or pass --access-log PATH"
        )
    if logs_client is None:
        logs_client = botocore.session.Session().create_client(
            "logs", region_name=outputs["Region"]
        )
    return access_log.query_insights(logs_client, group, since, datetime.now(UTC))


def main(argv: Sequence[str] | None = None, *, logs_client: Any = None, **clients: Any) -> int:
    args = build_parser().parse_args(argv)
    try:
        window = access_log.parse_since(args.since)
        outputs, _ = resolve_outputs(args, cloudformation_client=clients.get("cloudformation"))
        if outputs.get("AttestationMode", "off") == "off":
            raise AccessLogError(
                "this stack's AttestationMode is off: every call is a guest's; deploy with "
                "AttestationMode=monitor to measure attested installs"
            )
        counts = _counts(args, outputs, datetime.now(UTC) - window, logs_client)
    except GuestApiError as exc:
        print(f"report.py: {exc}", file=sys.stderr)
        return 2
    period = f"{args.since[:-1]} {args.since[-1]}"  # "24h" -> "24 h"
    print(attestation.render(attestation.shares(counts), period))
    return 0
