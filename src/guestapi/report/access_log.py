"""A stack's API Gateway access log, counted by method and caller kind (the `caller` field,
`$context.identity.cognitoAuthenticationType`, which template.yaml adds with AttestationMode on):
on AWS by a CloudWatch Logs Insights query over the `AccessLogGroupName` log group (the counting
happens in the query: a day of traffic is one small answer), offline from the file
`local.py --access-log` writes. Both give the same `CallCounts`.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from guestapi.errors import GuestApiError

ATTESTED = "authenticated"
GUEST = "unauthenticated"
CALLER_KINDS = (ATTESTED, GUEST)
# $context.requestTime: CLF, e.g. 07/Dec/2026:03:22:54 +0000 (docs/aws-behaviour.md#mapping-template-context)
REQUEST_TIME_FORMAT = "%d/%b/%Y:%H:%M:%S %z"
INSIGHTS_QUERY = (
    "fields httpMethod, resourcePath, caller"
    ' | filter caller in ["authenticated", "unauthenticated"]'
    " | stats count(*) as calls by httpMethod, resourcePath, caller"
)
_POLL_S = 1.0
_QUERY_TIMEOUT_S = 120.0

# (method, resource path, caller kind) -> calls
CallCounts = Counter[tuple[str, str, str]]


class AccessLogError(GuestApiError):
    """The access log cannot be read (none configured, unreadable, query failed)."""


def count_lines(lines: Iterable[str], since: datetime) -> CallCounts:
    """Count access-log lines (JSON objects) at or after `since`; other lines are skipped."""
    counts: CallCounts = Counter()
    for line in lines:
        record = _record(line)
        if record is None or record.get("caller") not in CALLER_KINDS:
            continue
        when = _request_time(record)
        if when is not None and when < since:
            continue
        counts[
            (str(record.get("httpMethod")), str(record.get("resourcePath")), record["caller"])
        ] += 1
    return counts


def read_file(path: Path, since: datetime) -> CallCounts:
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            return count_lines(lines, since)
    except FileNotFoundError:
        raise AccessLogError(
            f"access log {path} does not exist: start the offline stack with "
            "`local.py --access-log PATH` and EnableAccessLogs=true"
        ) from None
    except OSError as exc:
        raise AccessLogError(f"cannot read access log {path}: {exc.strerror}") from None


def query_insights(
    logs: Any,
    log_group: str,
    since: datetime,
    until: datetime,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> CallCounts:
    """Counts from CloudWatch Logs Insights; `logs` is a botocore CloudWatch Logs client."""
    try:
        query_id = logs.start_query(
            logGroupName=log_group,
            startTime=int(since.timestamp()),
            endTime=int(until.timestamp()),
            queryString=INSIGHTS_QUERY,
        )["queryId"]
        waited = 0.0
        while True:
            answer = logs.get_query_results(queryId=query_id)
            status = answer.get("status")
            if status == "Complete":
                return _insights_counts(answer.get("results") or [])
            if status not in ("Scheduled", "Running"):
                raise AccessLogError(f"Logs Insights query on {log_group} ended {status}")
            if waited >= _QUERY_TIMEOUT_S:
                logs.stop_query(queryId=query_id)
                raise AccessLogError(
                    f"Logs Insights query on {log_group} still running after "
                    f"{_QUERY_TIMEOUT_S:.0f} s: try a shorter --since"
                )
            sleep(_POLL_S)
            waited += _POLL_S
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise AccessLogError(
            f"Logs Insights on {log_group}: {error.get('Code', '?')}: {error.get('Message', '')}"
        ) from None
    except BotoCoreError as exc:
        raise AccessLogError(f"Logs Insights on {log_group}: {exc}") from None


def _insights_counts(rows: Iterable[Iterable[Mapping[str, str]]]) -> CallCounts:
    counts: CallCounts = Counter()
    for row in rows:
        fields = {cell["field"]: cell.get("value", "") for cell in row}
        if fields.get("caller") in CALLER_KINDS:
            key = (fields.get("httpMethod", "?"), fields.get("resourcePath", "?"), fields["caller"])
            counts[key] += int(fields.get("calls") or 0)
    return counts


def _record(line: str) -> dict[str, Any] | None:
    # A line as local.py writes it is the JSON object itself; a stack log line carries it after
    # "access-log <api-id>/<stage> ".
    start = line.find("{")
    if start < 0:
        return None
    try:
        record = json.loads(line[start:])
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _request_time(record: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.strptime(str(record.get("requestTime")), REQUEST_TIME_FORMAT)
    except ValueError:
        return None


def parse_since(text: str) -> timedelta:
    """`24h`, `90m`, `7d` or `3600s`."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) == 0:
        raise AccessLogError(f"--since {text!r}: write a positive number and a unit: 24h, 90m, 7d")
    return timedelta(seconds=int(number) * units[unit])
