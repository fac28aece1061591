"""The limit: a bare uvicorn app answering every request with the offline stack's GET /demo body.

No routing, no SigV4, no IAM, no mapping template: two ASGI messages with a body captured from
the stack. Same uvicorn settings as the offline stack's `make_server` (no access log, no
`server` header, a `date` header), its own process like the stack's, and uvicorn's default
protocol for the parser. What the offline stack does beyond this is the price of emulating API
Gateway.

Run as a script it serves (`--body-file F --port-file P`); `start_bare()` runs it.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from processes import answers, stop

SCRIPT = Path(__file__).resolve()


class BareStartError(RuntimeError):
    """The bare uvicorn process exited or did not bind in time."""


def _app(body: bytes) -> Any:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    start = {"type": "http.response.start", "status": 200, "headers": headers}
    answer = {"type": "http.response.body", "body": body}

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send(start)
        await send(answer)

    return app


def serve(body: bytes, port_file: Path) -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    config = uvicorn.Config(
        _app(body),
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=True,
        timeout_keep_alive=30,
    )
    written = port_file.with_suffix(".tmp")
    written.write_text(str(sock.getsockname()[1]))
    written.rename(port_file)  # atomic: the parent never reads half a number
    uvicorn.Server(config).run(sockets=[sock])


@contextmanager
def start_bare(body: bytes) -> Iterator[str]:
    """Serve `body` from a bare uvicorn process; yield its base URL; stop it on exit."""
    with tempfile.TemporaryDirectory(prefix="guestapi-bare-") as tmp:
        body_file, port_file = Path(tmp) / "body", Path(tmp) / "port"
        body_file.write_bytes(body)
        command = [sys.executable, str(SCRIPT), "--body-file", str(body_file)]
        command += ["--port-file", str(port_file)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while not port_file.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise BareStartError("bare uvicorn did not start")
                time.sleep(0.01)
            url = f"http://127.0.0.1:{port_file.read_text()}"
            if not answers(url, deadline):
                raise BareStartError("bare uvicorn did not answer in time")
            yield url
        finally:
            stop(process)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/bare_uvicorn.py",
        description="Serve one fixed JSON body from a bare uvicorn app (the benchmark's limit).",
    )
    parser.add_argument("--body-file", type=Path, required=True)
    parser.add_argument("--port-file", type=Path, required=True)
    args = parser.parse_args(argv)
    serve(args.body_file.read_bytes(), args.port_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
