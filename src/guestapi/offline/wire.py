"""What every offline service speaks: one request type and one response type.

The HTTP layer (`server.py`) turns each HTTP exchange into a `Request` and sends back a
`Response`; the services (API Gateway, Cognito Identity, STS, DynamoDB, ...) never see HTTP
objects. How an AWS API reads a request and writes its answer and errors is `awsapi/`'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

Headers = tuple[tuple[str, str], ...]


def header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header `name` (case-insensitive), or None."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


@dataclass(frozen=True)
class Request:
    """One HTTP request exactly as it arrived (what SigV4 verification needs)."""

    method: str
    raw_path: str  # exactly as received, still percent-encoded, without the query
    raw_query: str  # exactly as received, without '?', may be ""
    headers: Headers  # as received, original case, duplicates kept
    body: bytes
    host: str = ""  # value of the Host header (convenience)
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        return header(self.headers, name)


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return header(self.headers, name)


# Request-derived text is cut to this many characters in a log line.
MAX_LOGGED = 256


def loggable(value: object, limit: int = MAX_LOGGED) -> str:
    """`value` safe for one log line: non-printable characters escaped, cut at `limit`.

    Anything a caller sent (a path, an X-Amz-Target, a key id from a Credential scope) goes
    through this before it is logged, so no request can flood the log or forge a line in it.
    """
    text = str(value)
    cut = len(text) > limit
    text = text[:limit]
    escaped = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return escaped + (f"...(+{len(str(value)) - limit} chars)" if cut else "")


def new_request_id() -> str:
    return str(uuid.uuid4())
