"""A stdlib HTTP front for the Cognito/STS services under test, so real boto3 clients can call
them without the uvicorn server. It picks the service with the server's own dispatch
(`server.route_service` over `launch.service_routes`), so both route STS the same way."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from guestapi.offline.awsapi import AwsService
from guestapi.offline.launch import service_routes
from guestapi.offline.server import route_service
from guestapi.offline.wire import Request, Response

FORM = ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")


def call_json(service: AwsService, target: str, body: bytes | str) -> Response:
    """`service` asked, without HTTP, what it answers to `body` under X-Amz-Target `target`."""
    data = body.encode() if isinstance(body, str) else body
    return service.handle(Request("POST", "/", "", (("X-Amz-Target", target),), data))


def call_form(service: AwsService, body: bytes) -> Response:
    """`service` asked, without HTTP, what it answers to the form `body` (Query protocol)."""
    return service.handle(Request("POST", "/", "", (FORM,), body))


@contextmanager
def serve_handler(handle: Callable[[Request], Response]) -> Iterator[str]:
    """Serve `handle` for every POST on a stdlib threading server; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            response = handle(Request("POST", self.path, "", tuple(self.headers.items()), body))
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def serve_services(
    cognito: Callable[[Request], Response],
    sts: Callable[[Request], Response] | None = None,
) -> Iterator[str]:
    """Serve `cognito` (and `sts`, if given) at `/` as the offline stack's server routes them."""
    routes = service_routes(cognito, sts)

    def dispatch(request: Request) -> Response:
        route = route_service(routes, "POST", request.raw_path, request.headers)
        assert route is not None, f"no service at {request.raw_path}"
        return route.handle(request)

    with serve_handler(dispatch) as url:
        yield url
