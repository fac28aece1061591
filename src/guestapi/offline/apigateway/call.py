"""One request's way through the gateway: what the pipeline learns, and how it refuses."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from guestapi.offline.apigateway.responses import GatewayError
from guestapi.offline.apigateway.router import Route
from guestapi.offline.credentials import IssuedCredential
from guestapi.offline.wire import Request, Response

if TYPE_CHECKING:
    from guestapi.offline.stack import Stack


@dataclass
class Call:
    """What the pipeline learns about one request as it goes; feeds $context and the log."""

    request: Request
    request_id: str
    now: datetime
    route: Route | None = None
    caller: IssuedCredential | None = None
    # One per call, so the integration's $context and the access log line name the same one.
    extended_request_id: str = field(default_factory=lambda: secrets.token_urlsafe(12)[:16])
    # For the access log's latencies (monotonic: the wall clock may step).
    started: float = field(default_factory=time.monotonic)
    integration_latency_ms: int | None = None

    @property
    def source_ip(self) -> str:
        return self.request.source_ip


def method_arn(stack: Stack, route: Route, http_method: str) -> str:
    """The execute-api ARN of a call: what IAM policies and Lambda permissions name."""
    return (
        f"arn:{stack.partition}:execute-api:{stack.region}:{stack.account_id}:"
        f"{route.api.api_id}/{route.stage.name}/{http_method}/{route.path.lstrip('/')}"
    )


class Refusal(Exception):
    """The gateway answers the request itself, with a gateway response."""

    def __init__(self, error: GatewayError) -> None:
        super().__init__(error.message)
        self.error = error


class IntegrationRunner(Protocol):
    """Runs one integration type (MOCK, AWS_PROXY, ...) for a routed, authorized call."""

    def run(self, call: Call, route: Route, context: dict[str, Any]) -> Response: ...
