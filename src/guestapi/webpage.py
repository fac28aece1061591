"""Serve the browser example (web/) on its own origin, with the stack's public outputs as config.

The page must come from a different origin than the API, or the browser would skip CORS and the
example would prove nothing: `serve_web` binds its own port, so even on 127.0.0.1 the page and
the offline API are cross-origin (an origin includes the port).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from guestapi.assets import web_dir as packaged_web_dir
from guestapi.errors import GuestApiError

# Only these outputs reach the page: they ship inside every app anyway. Anything else a caller
# passes (GuestRoleArn, local secrets, ...) stays out of config.json.
REQUIRED_KEYS = ("ApiUrl", "IdentityPoolId", "Region")
OPTIONAL_KEYS = ("CognitoIdentityEndpoint",)

# URL path -> (file under web/, content type). An allow-list rather than a directory listing, so
# nothing else under web/ (sources, node_modules of a nested install) is ever served.
_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/styles.css": ("styles.css", "text/css; charset=utf-8"),
    "/dist/app.js": ("dist/app.js", "text/javascript; charset=utf-8"),
    "/dist/app.js.map": ("dist/app.js.map", "application/json"),
}


class WebPageError(GuestApiError):
    """The page cannot be served: bundle not built, outputs incomplete, port taken."""


def page_config(outputs: Mapping[str, str]) -> dict[str, str]:
    """The public subset of the stack outputs that the page reads as config.json."""
    missing = [key for key in REQUIRED_KEYS if not outputs.get(key)]
    if missing:
        raise WebPageError(
            f"stack outputs lack {', '.join(missing)}: pass the outputs of a deployed or offline stack"
        )
    return {key: outputs[key] for key in (*REQUIRED_KEYS, *OPTIONAL_KEYS) if outputs.get(key)}


def _handler(web_dir: Path, config_json: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/config.json":
                self._send(HTTPStatus.OK, config_json, "application/json")
                return
            entry = _FILES.get(path)
            if entry is None or not (web_dir / entry[0]).is_file():
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
                return
            self._send(HTTPStatus.OK, (web_dir / entry[0]).read_bytes(), entry[1])

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            # Always fresh: a rebuilt bundle or another stack's config must show on reload.
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            # Static files only; the API's own request log is what matters when debugging.
            pass

    return Handler


def _unbuilt(web_dir: Path) -> str:
    """How to get the missing bundle: npm builds it, not the Python build. In a checkout
    (web/ beside package.json, also through the editable install's links) that is `make web`;
    an installed package made before `make web` has no way to get it."""
    bundle = web_dir / "dist" / "app.js"
    root = web_dir.resolve().parent
    if (root / "package.json").is_file():
        return (
            f"the browser example's bundle {bundle} is not built: run `make web` in {root} "
            "(npm ci && npm run build)"
        )
    return (
        f"the browser example's bundle {bundle} is not in this installed package: it was built "
        "before `make web`; build the wheel again from a checkout after `make web`"
    )


@contextmanager
def serve_web(
    outputs: Mapping[str, str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    web_dir: Path | None = None,
) -> Iterator[str]:
    """Serve web/ with config.json built from `outputs`; yields the page URL (port 0 = any free port).

    `web_dir` defaults to the page shipped with the package (guestapi.assets.web_dir()).
    """
    web_dir = web_dir if web_dir is not None else packaged_web_dir()
    if not (web_dir / "dist" / "app.js").is_file():
        raise WebPageError(_unbuilt(web_dir))
    config_json = json.dumps(page_config(outputs), indent=2).encode()
    try:
        server = ThreadingHTTPServer((host, port), _handler(web_dir, config_json))
    except OSError as err:
        raise WebPageError(f"cannot serve the page on {host}:{port}: {err.strerror}") from err
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="guestapi-web", daemon=True)
    thread.start()
    try:
        # The socket's own address: str for an IP socket (server_address may be bytes).
        bound_host, bound_port = server.socket.getsockname()[:2]
        url_host = f"[{bound_host}]" if ":" in str(bound_host) else bound_host  # IPv6 literal
        yield f"http://{url_host}:{bound_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
