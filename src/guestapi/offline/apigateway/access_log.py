"""API Gateway access logging: a stage's `AccessLogSetting.Format`, rendered after each call.

An access log format is not a mapping template: API Gateway substitutes `$context` variables
into it and runs no Velocity (docs/aws-behaviour.md#access-logs), so neither does this module.
A variable that has no value, or that the offline stack does not produce, is written `-`, as
AWS writes it. Values go in as they are, unescaped like AWS's, except that `loggable` escapes
control characters: here every line shares one text log, where a newline would forge a line.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from guestapi.offline.apigateway.call import Call
from guestapi.offline.apigateway.context import request_context
from guestapi.offline.apigateway.model import RestApi, Stage
from guestapi.offline.apigateway.responses import GatewayError
from guestapi.offline.wire import Response, loggable

# Its own logger, so the access log can be kept or dropped apart from the request log; at INFO
# like the request log, so `local.py --quiet` hides both.
log = logging.getLogger("guestapi.offline.access")

# `$context.` then a dotted name. Only the `$context` form is documented for access logs.
_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")

MISSING = "-"


def render(log_format: str, context: Mapping[str, Any]) -> str:
    """`log_format` with each `$context.<path>` replaced by its value, or `-` without one."""

    def value(match: re.Match[str]) -> str:
        found: Any = context
        for part in match.group(1).split("."):
            if not isinstance(found, Mapping) or part not in found:
                return MISSING
            found = found[part]
        if found is None or found == "" or isinstance(found, Mapping):
            return MISSING
        return loggable(found)

    return _VARIABLE.sub(value, log_format)


def access_context(
    call: Call,
    response: Response,
    error: GatewayError | None,
    *,
    api: RestApi,
    stage: Stage,
    account_id: str,
) -> dict[str, Any]:
    """The call's `$context` plus the variables API Gateway offers to access logs only."""
    ctx = request_context(call, account_id)
    ctx.setdefault("apiId", api.api_id)  # a known stage without the resource: no route
    ctx.setdefault("stage", stage.name)
    if error is not None:
        # Its first line only: a signature mismatch's message goes on with the canonical
        # request, which can hold the caller's session token, and this log keeps no secrets.
        message = error.message.split("\n", 1)[0]
        ctx["error"] = {
            "message": message,
            "messageString": f'"{message}"',
            "responseType": str(error.response_type),
        }
    latency = round((time.monotonic() - call.started) * 1000)
    ctx.update(
        status=response.status,
        responseLength=len(response.body),
        responseLatency=latency,
    )
    if call.integration_latency_ms is not None:
        ctx["integrationLatency"] = call.integration_latency_ms
        ctx["integration"] = {"latency": call.integration_latency_ms}
    return ctx


def emit(
    call: Call,
    response: Response,
    error: GatewayError | None,
    *,
    api: RestApi,
    stage: Stage,
    account_id: str,
) -> None:
    """Write the stage's access log line for one call, if the stage has a format."""
    if not stage.access_log_format or not log.isEnabledFor(logging.INFO):
        return
    ctx = access_context(call, response, error, api=api, stage=stage, account_id=account_id)
    line = render(stage.access_log_format, ctx)
    log.info("access-log %s/%s %s", api.api_id, stage.name, line, extra={"access_line": line})


def write_to(path: Path) -> logging.Handler:
    """Also write every access-log line, alone, to `path`, as the stage's log group would hold
    it (what `report.py --access-log` reads); the stack's own log keeps its lines as before."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(access_line)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)  # written even when --quiet keeps the console quiet
    return handler
