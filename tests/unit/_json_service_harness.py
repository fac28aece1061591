"""A stdlib HTTP front for the Cognito/STS services under test, so real boto3 clients can call
them without the uvicorn server (whose own wiring is tested in tests/offline)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from guestapi.offline.wire import Response as JsonResponse


@contextmanager
def serve_services(
    cognito: Callable[[str, bytes], JsonResponse],
    sts: Callable[[bytes], JsonResponse] | None = None,
) -> Iterator[str]:
    """POSTs with X-Amz-Target go to `cognito`, other POSTs to `sts` (if given)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            target = self.headers.get("X-Amz-Target", "")
            response = sts(body) if sts is not None and not target else cognito(target, body)
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
