"""HTTP wiring of the offline stack: one port serves Cognito Identity (and STS) at `/` and the
REST API under `/{stage}/...`.

ASGI (served by uvicorn) because it hands over the request path exactly as it arrived
(`raw_path`, still percent-encoded): SigV4 must be recomputed from the raw path, and WSGI's
PATH_INFO is already decoded.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn

from guestapi.offline.cognito import MAX_BODY_BYTES, CognitoIdentityService
from guestapi.offline.credentials import CredentialStore
from guestapi.offline.deploy import load_stack
from guestapi.offline.gateway import MAX_PAYLOAD_BYTES, Gateway, HttpResponse
from guestapi.offline.model import Stack
from guestapi.offline.sigv4 import IncomingRequest
from guestapi.offline.sts import StsService

log = logging.getLogger("guestapi.offline.server")

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"
COGNITO_TARGET_PREFIX = "AWSCognitoIdentityService."

# The real cognito-identity endpoint answers browser preflights (aws-behaviour.md,
# "Browsers calling Cognito Identity directly").
COGNITO_CORS_EXPOSE = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class OfflineStack:
    """A deployed offline stack: the model plus the services that answer for it."""

    stack: Stack
    store: CredentialStore
    cognito: CognitoIdentityService
    sts: StsService
    gateway: Gateway


def build(
    template: Path | str = DEFAULT_TEMPLATE,
    *,
    overrides: Mapping[str, str] | None = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    stack_name: str = "guest-api-local",
    credential_ttl: int = 3600,
    clock: Callable[[], datetime] | None = None,
    warn: Callable[[str], None] | None = None,
) -> OfflineStack:
    """Deploy `template` in memory and wire the services that answer for it."""
    now = clock or (lambda: datetime.now(UTC))
    stack = load_stack(
        template,
        region=region,
        account_id=account_id,
        stack_name=stack_name,
        overrides=overrides,
        warn=warn or log.warning,
    )
    store = CredentialStore(clock=now)
    cognito = CognitoIdentityService(
        stack, store, clock=now, credential_ttl=timedelta(seconds=credential_ttl)
    )
    sts = StsService(stack, store, cognito, clock=now)
    gateway = Gateway(stack, store, clock=now)
    return OfflineStack(stack, store, cognito, sts, gateway)


class OfflineApp:
    """The ASGI application: dispatches to Cognito/STS or to the gateway."""

    def __init__(self, offline: OfflineStack) -> None:
        self.offline = offline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method: str = scope["method"]
        raw_path = scope.get("raw_path") or scope["path"].encode()
        raw_path_str = raw_path.decode("latin-1")
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        if raw_path_str == "/" and method in ("POST", "OPTIONS"):
            response = await self._service(method, headers, receive)
        else:
            body, too_large = await _read_body(receive, MAX_PAYLOAD_BYTES)
            host = _header(headers, "host") or ""
            request = IncomingRequest(
                method=method,
                raw_path=raw_path_str,
                raw_query=scope.get("query_string", b"").decode("latin-1"),
                headers=headers,
                body=body,
                host=host,
            )
            client = scope.get("client") or ("127.0.0.1", 0)
            response = self.offline.gateway.handle(
                request, source_ip=client[0], body_too_large=too_large
            )
        await _send(send, response)

    async def _service(
        self, method: str, headers: tuple[tuple[str, str], ...], receive: Receive
    ) -> HttpResponse:
        origin = _header(headers, "origin")
        if method == "OPTIONS":
            requested = _header(headers, "access-control-request-headers") or ""
            cors = [
                *_cognito_cors(origin),
                ("Access-Control-Allow-Methods", "POST,OPTIONS"),
                ("Access-Control-Allow-Headers", requested),
                ("Access-Control-Max-Age", "600"),
            ]
            return HttpResponse(200, cors, b"")
        body, _ = await _read_body(receive, MAX_BODY_BYTES)
        target = _header(headers, "x-amz-target") or ""
        content_type = (_header(headers, "content-type") or "").lower()
        # Past the limit the services see one byte too many and answer their documented 400.
        body = body[: MAX_BODY_BYTES + 1]
        if target.startswith(COGNITO_TARGET_PREFIX) or not content_type.startswith(
            "application/x-www-form-urlencoded"
        ):
            result = self.offline.cognito.handle(target, body)
        else:
            result = self.offline.sts.handle(body)
        return HttpResponse(result.status, [*result.headers, *_cognito_cors(origin)], result.body)


def _cognito_cors(origin: str | None) -> list[tuple[str, str]]:
    if origin is None:
        return []
    return [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", COGNITO_CORS_EXPOSE),
    ]


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    too_large = False
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            if not too_large:
                # Keep one byte past the limit so the service can see it was exceeded.
                chunks.append(chunk[: max(0, limit + 1 - (size - len(chunk)))])
            too_large = True
        elif chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), too_large


async def _send(send: Send, response: HttpResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    names = {k.lower() for k, _ in response.headers}
    if "x-amzn-requestid" not in names:
        headers.append((b"x-amzn-RequestId", str(uuid.uuid4()).encode()))
    headers.append((b"Content-Length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


# ---------------------------------------------------------------------- running it
def bind(host: str, port: int) -> socket.socket:
    """Bind before serving so that `--port 0` knows its port before the outputs are written."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def local_outputs(stack: Stack, base_url: str) -> dict[str, str]:
    """The template's Outputs as AWS resolved them, with API URLs pointed at this server.

    AWS answers `https://<api-id>.execute-api.<region>.<suffix>/<stage>`; here every stage is
    served at `<base_url>/<stage>` on one port.
    """
    outputs = dict(stack.outputs)
    for key, value in outputs.items():
        for api_id in stack.rest_apis:
            marker = f"https://{api_id}.execute-api."
            if value.startswith(marker):
                rest = value[len(marker) :].split("/", 1)
                outputs[key] = base_url.rstrip("/") + ("/" + rest[1] if len(rest) > 1 else "")
    outputs["CognitoIdentityEndpoint"] = base_url.rstrip("/") + "/"
    outputs.setdefault("Region", stack.region)
    return outputs


def make_server(app: OfflineApp) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        lifespan="off",
        # uvicorn's access log would print full URLs, and a presigned URL's query holds the
        # signature and the session token: the gateway logs one safe line instead.
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=True,
        timeout_keep_alive=30,
    )
    return uvicorn.Server(config)


def base_url_for(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@contextmanager
def serve(
    template: Path | str = DEFAULT_TEMPLATE,
    *,
    overrides: Mapping[str, str] | None = None,
    credential_ttl: int = 3600,
    host: str = "127.0.0.1",
    port: int = 0,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    clock: Callable[[], datetime] | None = None,
) -> Iterator[dict[str, str]]:
    """Run the offline stack in a background thread; yield its outputs; stop on exit."""
    offline = build(
        template,
        overrides=overrides,
        region=region,
        account_id=account_id,
        credential_ttl=credential_ttl,
        clock=clock,
    )
    sock = bind(host, port)
    server = make_server(OfflineApp(offline))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="offline-stack", daemon=True
    )
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the offline stack's server stopped during start-up")
            time.sleep(0.01)
        yield local_outputs(offline.stack, base_url_for(sock))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
