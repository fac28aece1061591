"""HTTP wiring of the offline stack: one port serves the AWS service endpoints at `/` and the
REST APIs under `/{stage}/...`. Dispatch only (`route_service`); every answer comes from a
service package.

ASGI (served by uvicorn) because it hands over the request path exactly as it arrived
(`raw_path`, still percent-encoded): SigV4 must be recomputed from the raw path, and WSGI's
PATH_INFO is already decoded.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from functools import partial
from typing import Any

import uvicorn

from guestapi.aws_constants import REQUEST_ID_HEADER, TARGET_HEADER
from guestapi.offline.apigateway import MAX_PAYLOAD_BYTES, Gateway
from guestapi.offline.awsapi import AwsService
from guestapi.offline.protocol import HEADER_NAMES
from guestapi.offline.sigv4 import scope_service
from guestapi.offline.wire import Request, Response, header

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# The real service endpoints answer browser preflights
# (docs/aws-behaviour.md#browsers-calling-cognito-identity-directly).
SERVICE_CORS_EXPOSE = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"


# API Gateway's documented quotas: 10,240 characters of URL, 10,240 bytes of header values.
MAX_URL_CHARS = 10_240
MAX_HEADER_VALUE_BYTES = 10_240
# Not documented by AWS: the offline stack's own bound, far above what any SDK sends.
MAX_HEADERS = 200
BODY_IDLE_TIMEOUT_S = 10.0

# Gateway requests in flight at once when integrations block (Lambda's default account
# concurrency is far higher; a laptop's is not).
GATEWAY_THREADS = 64  # see OfflineApp._threads


@dataclass(frozen=True)
class ServiceRoute:
    """A service answering at `/` (`route_service` finds it by its protocol); `handle` serves
    it: an instance of `service`, or what starts one on need."""

    service: type[AwsService]
    handle: Callable[[Request], Response]

    @property
    def blocking(self) -> bool:
        return self.service.BLOCKING

    @property
    def name(self) -> str:
        return self.service.NAME


class OfflineApp:
    """The ASGI application: dispatches to a service endpoint or to the gateway."""

    def __init__(
        self, gateway: Gateway, services: Sequence[ServiceRoute], *, blocking_gateway: bool = False
    ) -> None:
        if not services:
            raise ValueError("the offline stack serves at least one service endpoint")
        self.gateway = gateway
        self.services = tuple(services)
        # A Lambda integration waits for the function (up to its Timeout): such a gateway runs
        # in worker threads so one slow function cannot stall every other request. A MOCK-only
        # gateway answers in microseconds and stays on the event loop, where it is fastest.
        self._blocking_gateway = blocking_gateway
        self._threads = (
            ThreadPoolExecutor(max_workers=GATEWAY_THREADS, thread_name_prefix="offline")
            if blocking_gateway or any(service.blocking for service in services)
            else None
        )

    async def _call(self, blocking: bool, work: Callable[[], Response]) -> Response:
        if blocking and self._threads is not None:
            return await asyncio.get_running_loop().run_in_executor(self._threads, work)
        return work()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method: str = scope["method"]
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        headers = _headers(scope)
        client = scope.get("client") or ("127.0.0.1", 0)
        refusal = _over_limits(raw_path, scope.get("query_string", b""), scope["headers"])
        if refusal is not None:
            await _send(send, refusal)
            return
        service = route_service(self.services, method, raw_path, headers)
        limit = service.service.MAX_BODY if service is not None else MAX_PAYLOAD_BYTES
        try:
            body, too_large = await _read_body(receive, limit)
        except TimeoutError:
            await _send(send, _refused(408, "Request Timeout"))
            return
        request = Request(
            method=method,
            raw_path=raw_path,
            raw_query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body,
            host=header(headers, "host") or "",
            source_ip=client[0],
        )
        if service is None:
            response = await self._call(
                self._blocking_gateway,
                partial(self.gateway.handle, request, body_too_large=too_large),
            )
        elif method == "OPTIONS":
            response = _preflight(request)
        else:
            result = await self._call(service.blocking, partial(service.handle, request))
            response = Response(result.status, [*result.headers, *_cors(request)], result.body)
        await _send(send, response)


def _headers(scope: Scope) -> tuple[tuple[str, str], ...]:
    """The request's headers, names in the case the client sent when the protocol kept it
    (`AnyMethodProtocol`); lower-cased, as ASGI gives them, otherwise."""
    pairs = scope["headers"]
    names = ((scope.get("extensions") or {}).get(HEADER_NAMES) or {}).get("names")
    if not isinstance(names, list) or len(names) != len(pairs):
        return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in pairs)
    return tuple((name, v.decode("latin-1")) for name, (_, v) in zip(names, pairs, strict=True))


# How long a stop waits for requests in flight once their functions are aborted (a client still
# sending a body, a DynamoDB call): Ctrl-C is answered within 2 s.
SHUTDOWN_GRACE_S = 1  # whole seconds: uvicorn's timeout_graceful_shutdown is an int


class OfflineServer(uvicorn.Server):
    """uvicorn's server, which aborts the functions in flight before its graceful shutdown
    waits for the requests in flight: otherwise a stop would wait out a function's Timeout and
    then log a timeout that never happened."""

    def __init__(self, config: uvicorn.Config, stop_work: Callable[[], None]) -> None:
        super().__init__(config)
        self._stop_work = stop_work

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._stop_work()
        await super().shutdown(sockets=sockets)


def route_service(
    services: Sequence[ServiceRoute],
    method: str,
    raw_path: str,
    headers: Sequence[tuple[str, str]],
) -> ServiceRoute | None:
    """The service endpoint a request is for, or None when it is for the REST APIs, by the
    routing rule of docs/offline-stack.md; for a POST to `/` that names no service, the first
    route, so an unknown target gets that service's own answer."""
    signed_for = scope_service(header(headers, "authorization"))
    for route in services:
        signing_name = route.service.protocol.signing_name
        if signing_name and signing_name == signed_for:
            return route
    if raw_path != "/" or method not in ("POST", "OPTIONS"):
        return None
    target = header(headers, TARGET_HEADER) or ""
    form = (
        (header(headers, "content-type") or "")
        .lower()
        .startswith("application/x-www-form-urlencoded")
    )
    for route in services:
        protocol = route.service.protocol
        if protocol.target_prefix and target.startswith(protocol.target_prefix):
            return route
        if protocol.form and form:
            return route
    return services[0]


def _preflight(request: Request) -> Response:
    requested = request.header("access-control-request-headers") or ""
    return Response(
        200,
        [
            *_cors(request),
            ("Access-Control-Allow-Methods", "POST,OPTIONS"),
            ("Access-Control-Allow-Headers", requested),
            ("Access-Control-Max-Age", "600"),
        ],
    )


def _cors(request: Request) -> list[tuple[str, str]]:
    if request.header("origin") is None:
        return []
    return [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", SERVICE_CORS_EXPOSE),
    ]


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _over_limits(
    raw_path: str, query: bytes, headers: list[tuple[bytes, bytes]]
) -> Response | None:
    """API Gateway's request limits (docs/aws-behaviour.md#limits), checked before any work.

    The quotas are documented, the answers past them are not: 414 and 431 are the offline
    stack's choice. The header count bounds the cost of everything per header downstream.
    """
    if len(raw_path) + len(query) + 1 > MAX_URL_CHARS:
        return _refused(414, "Request-URI Too Long")
    if len(headers) > MAX_HEADERS or sum(len(v) for _, v in headers) > MAX_HEADER_VALUE_BYTES:
        return _refused(431, "Request Header Fields Too Large")
    return None


def _refused(status: int, message: str) -> Response:
    body = json.dumps({"message": message}).encode()
    # The connection is closed after it: a client over the limits gets no second request.
    return Response(status, [("Content-Type", "application/json"), ("Connection", "close")], body)


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body, cut one byte past `limit` (so the service sees it was exceeded).

    Raises TimeoutError when the client stops sending for BODY_IDLE_TIMEOUT_S (a half-sent
    body must not hold the connection, and a gateway thread, forever).
    """
    chunks: list[bytes] = []
    size = 0
    too_large = False
    while True:
        message = await asyncio.wait_for(receive(), BODY_IDLE_TIMEOUT_S)
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            if not too_large:
                chunks.append(chunk[: max(0, limit + 1 - (size - len(chunk)))])
            too_large = True
        elif chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), too_large


async def _send(send: Send, response: Response) -> None:
    headers = []
    has_request_id = has_date = False
    for name, value in response.headers:
        lowered = name.lower()
        has_request_id = has_request_id or lowered == REQUEST_ID_HEADER.lower()
        has_date = has_date or lowered == "date"
        headers.append((name.encode("latin-1"), value.encode("latin-1")))
    if not has_request_id:
        headers.append((REQUEST_ID_HEADER.encode(), str(uuid.uuid4()).encode()))
    if not has_date:
        # Stamped per response, as AWS does; uvicorn's own Date is refreshed once a second, so
        # it may name a second before the one a credential was issued in.
        headers.append((b"Date", _http_date()))
    headers.append((b"Content-Length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


_date: tuple[int, bytes] = (0, b"")


def _http_date() -> bytes:
    """`formatdate(usegmt=True)` now: it names whole seconds, so it is formatted once a second."""
    global _date
    second = int(time.time())
    if _date[0] != second:
        _date = (second, formatdate(second, usegmt=True).encode())
    return _date[1]
