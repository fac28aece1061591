"""What every offline service speaks: one request type, one response type, one error base.

The HTTP layer (`server.py`) turns each HTTP exchange into a `Request` and sends back a
`Response`; the services (API Gateway, Cognito Identity, STS, DynamoDB, ...) never see HTTP
objects. An operation that refuses a call raises an `AwsError` subclass; each protocol renders it
the way the real service does (`json_error` for the AWS JSON protocols; STS renders XML itself).
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field

from guestapi.aws_constants import ERROR_TYPE_HEADER, REQUEST_ID_HEADER

Headers = tuple[tuple[str, str], ...]

# AWS JSON 1.0 (DynamoDB) and 1.1 (Cognito Identity) content types.
JSON_1_0 = "application/x-amz-json-1.0"
JSON_1_1 = "application/x-amz-json-1.1"


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


class AwsError(Exception):
    """An answer of the form AWS gives for a refused call: an error code, a message, a status.

    `message` is what the caller reads; `None` when AWS sends none (UnknownOperationException).
    """

    def __init__(self, code: str, message: str | None, status: int = 400) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.status = status


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


def json_response(
    payload: object, *, content_type: str, request_id: str, status: int = 200
) -> Response:
    return Response(
        status,
        [("Content-Type", content_type), (REQUEST_ID_HEADER, request_id)],
        json.dumps(payload, separators=(",", ":")).encode(),
    )


def json_error(
    error: AwsError, *, content_type: str, request_id: str, type_prefix: str = ""
) -> Response:
    """An AWS JSON protocol error: `{"__type": ..., "message": ...}` plus x-amzn-ErrorType.

    `type_prefix` is for services whose `__type` carries a namespace (DynamoDB writes
    "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"); Cognito Identity writes the bare code.
    """
    payload: dict[str, str] = {"__type": type_prefix + error.code}
    if error.message is not None:
        payload["message"] = error.message
    response = json_response(
        payload, content_type=content_type, request_id=request_id, status=error.status
    )
    response.headers.append((ERROR_TYPE_HEADER, error.code))
    return response


def xml_text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def xml_response(status: int, body: bytes, request_id: str) -> Response:
    return Response(status, [("Content-Type", "text/xml"), (REQUEST_ID_HEADER, request_id)], body)


def query_error(error: AwsError, *, namespace: str, request_id: str) -> Response:
    """An AWS query protocol error (STS, IAM): `<ErrorResponse><Error><Type>Sender</Type>...`."""
    root = ET.Element("ErrorResponse", xmlns=namespace)
    detail = ET.SubElement(root, "Error")
    xml_text(detail, "Type", "Sender")
    xml_text(detail, "Code", error.code)
    xml_text(detail, "Message", error.message or "")
    xml_text(root, "RequestId", request_id)
    return xml_response(error.status, ET.tostring(root, encoding="unicode").encode(), request_id)
