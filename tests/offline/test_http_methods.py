"""Methods the HTTP parser does not know still reach the gateway, which answers as API Gateway.

API Gateway answers a method a resource lacks with 403 MissingAuthenticationTokenException
(docs/aws-behaviour.md, "Known stage, no such resource, or no such method on it"). uvicorn's
httptools parser knows a fixed list of methods and refused any other (`FETCH`) with its own
400 "Invalid HTTP request received." before the app saw it. Raw sockets, because HTTP client
libraries will not send such a request line as written.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import uvicorn

from guestapi.offline.launch import base_url_for, bind, build, local_outputs, make_server


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def _read_answer(sock: socket.socket, pending: bytes = b"") -> tuple[Answer, bytes]:
    """One HTTP/1.1 response (Content-Length framed); returns it and any bytes after it."""
    data = pending
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed mid-answer: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed mid-body")
        rest += chunk
    return Answer(int(status_line.split()[1]), headers, rest[:length]), rest[length:]


def _request(method: str, path: str, host: str, extra: str = "") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode("latin-1")


@contextmanager
def _connection(api_url: str) -> Iterator[tuple[socket.socket, str]]:
    parts = urlsplit(api_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        yield sock, parts.netloc


def _exchange(api_url: str, *requests: bytes) -> list[Answer]:
    """Send each request on one keep-alive connection, reading each answer before the next."""
    answers = []
    with _connection(api_url) as (sock, _):
        for request in requests:
            sock.sendall(request)
            answer, _ = _read_answer(sock)
            answers.append(answer)
    return answers


def _is_missing_token(answer: Answer) -> bool:
    return (
        answer.status == 403
        and answer.headers.get("x-amzn-errortype") == "MissingAuthenticationTokenException"
        and answer.json() == {"message": "Missing Authentication Token"}
        and "x-amzn-requestid" in answer.headers
    )


@pytest.fixture(scope="module")
def api_url(offline_outputs: dict[str, str]) -> str:
    return offline_outputs["ApiUrl"]


def test_unknown_method_gets_api_gateways_missing_token(api_url: str) -> None:
    host = urlsplit(api_url).netloc
    stage_path = urlsplit(api_url).path
    (answer,) = _exchange(api_url, _request("FETCH", f"{stage_path}/demo", host))
    assert _is_missing_token(answer), answer
    assert "server" not in answer.headers  # server_header=False holds on this connection too


def test_known_method_the_resource_lacks_gets_the_same_answer(api_url: str) -> None:
    # The control: a method httptools parses (DELETE), absent from /demo, answered alike.
    host = urlsplit(api_url).netloc
    stage_path = urlsplit(api_url).path
    (answer,) = _exchange(api_url, _request("DELETE", f"{stage_path}/demo", host))
    assert _is_missing_token(answer), answer
    assert "server" not in answer.headers


def test_methods_are_case_sensitive(api_url: str) -> None:
    host = urlsplit(api_url).netloc
    stage_path = urlsplit(api_url).path
    (answer,) = _exchange(api_url, _request("get", f"{stage_path}/demo", host))
    assert _is_missing_token(answer), answer


def test_keep_alive_connection_serves_before_and_after_an_unknown_method(api_url: str) -> None:
    host = urlsplit(api_url).netloc
    demo = urlsplit(api_url).path + "/demo"
    preflight = (
        "Origin: http://localhost:8000\r\nAccess-Control-Request-Method: GET\r\n"
        "Access-Control-Request-Headers: authorization\r\n"
    )
    first, unknown, after = _exchange(
        api_url,
        _request("OPTIONS", demo, host, preflight),
        _request("FETCH", demo, host),
        _request("OPTIONS", demo, host, preflight),
    )
    assert first.status == 200 and "access-control-allow-methods" in first.headers
    assert _is_missing_token(unknown), unknown
    # The connection now speaks h11 and still serves the gateway's answers.
    assert after.status == 200
    assert (
        after.headers.get("access-control-allow-methods")
        == first.headers["access-control-allow-methods"]
    )


@contextmanager
def _served_with(http: str) -> Iterator[str]:
    """The offline stack behind a stock uvicorn protocol (`http`), for the control below."""
    offline = build()
    sock = bind("127.0.0.1", 0)
    outputs = local_outputs(offline.stack, base_url_for(sock))
    config = make_server(offline.app()).config
    config.http = http
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        yield outputs["ApiUrl"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        offline.close()


def test_stock_httptools_protocol_refuses_the_unknown_method_itself() -> None:
    # Without the hand-over, the same request never reaches the gateway: this is the bug the
    # tests above would catch if make_server went back to the stock protocol.
    with _served_with("httptools") as api_url:
        host = urlsplit(api_url).netloc
        stage_path = urlsplit(api_url).path
        with _connection(api_url) as (sock, _):
            sock.sendall(_request("FETCH", f"{stage_path}/demo", host))
            answer, _ = _read_answer(sock)
    assert answer.status == 400
    assert answer.body == b"Invalid HTTP request received."
    assert not _is_missing_token(answer)
