"""A Lambda proxy result's framing headers never reach the wire: API Gateway frames the answer.

Over one real keep-alive connection (http.client), two requests: the function's result names
`Content-Length: 0`, `Transfer-Encoding: chunked`, `Connection`, `Keep-Alive` and friends, and
both answers still arrive whole, with the function's values under `x-amzn-Remapped-<name>`
(docs/aws-behaviour.md#proxy-response).
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest
from _http_guest import connect, send, serving, signed
from test_lambda_proxy import RecordingInvoker, answered, gateway_for

from _offline_guest import Guest
from guestapi.offline.apigateway import lambda_proxy
from guestapi.offline.launch import OfflineStack, build

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "lambda_routes" / "template.yaml"
BODY = "hello from the function"
# One result header at a time, then all of them: each breaks keep-alive on its own if sent on.
FRAMING: list[dict[str, str]] = [
    {"Content-Length": "0"},
    {"Transfer-Encoding": "chunked"},
    {"Connection": "close"},
    {"Content-Length": "0", "Transfer-Encoding": "chunked", "Connection": "close"},
]
IDS = ["content-length", "transfer-encoding", "connection", "all"]
OTHERS = {
    "Keep-Alive": "timeout=1",
    "Date": "Mon, 01 Jan 2001 00:00:00 GMT",
    "Server": "the-function",
    "X-Mine": "kept",
}


@pytest.fixture(scope="module")
def offline() -> Iterator[OfflineStack]:
    stack = build(TEMPLATE)
    yield stack
    stack.close()


def problems(offline: OfflineStack, headers: dict[str, str]) -> list[str]:
    """What went wrong with two calls on one connection, answered with `headers`."""
    answer = answered({"statusCode": 200, "headers": headers, "body": BODY})
    guest = Guest(offline)
    found: list[str] = []
    with serving(offline, gateway_for(offline, RecordingInvoker(answer))) as api:
        connection = connect(api)
        sockets = []
        try:
            for _ in range(2):
                target, signed_headers = signed(guest, api + "/whoami")
                response = send(connection, "GET", target, signed_headers)
                found += _framing_problems(response.status, response.getheaders(), response.read())
                sockets.append(connection.sock)
        except (http.client.HTTPException, OSError) as error:
            found.append(f"the connection broke: {error!r}")
        finally:
            connection.close()
    if len(sockets) == 2 and (sockets[0] is None or sockets[0] is not sockets[1]):
        found.append("the connection was not kept alive")
    return found


def _framing_problems(status: int, headers: list[tuple[str, str]], body: bytes) -> list[str]:
    names = [name.lower() for name, _ in headers]
    found = [] if (status, body) == (200, BODY.encode()) else [f"answer {status} {body!r}"]
    if names.count("content-length") != 1 or "transfer-encoding" in names:
        found.append(f"framed by the function: {headers}")
    return found


@pytest.mark.parametrize("framing", FRAMING, ids=IDS)
def test_a_result_with_framing_headers_keeps_the_connection_usable(
    offline: OfflineStack, framing: dict[str, str]
) -> None:
    assert problems(offline, {**framing, **OTHERS}) == []


@pytest.mark.parametrize("framing", FRAMING, ids=IDS)
def test_without_the_rewrite_keep_alive_breaks(
    offline: OfflineStack, framing: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control: with our own seam set back to passing the function's headers through,
    # the same result breaks the connection (or frames the answer twice).
    monkeypatch.setattr(lambda_proxy, "as_sent", list)
    assert problems(offline, framing) != []


def test_the_functions_values_arrive_under_remapped_names() -> None:
    response = lambda_proxy.proxy_response(
        {
            "statusCode": 200,
            "headers": {**FRAMING[-1], **OTHERS},
            "multiValueHeaders": {"content-length": ["1", "2"]},
            "body": BODY,
        }
    )
    assert response.headers == [
        ("x-amzn-Remapped-Connection", "close"),
        ("x-amzn-Remapped-Date", OTHERS["Date"]),
        ("x-amzn-Remapped-Server", "the-function"),
        ("X-Mine", "kept"),
        ("x-amzn-Remapped-Content-Length", "1"),
        ("x-amzn-Remapped-Content-Length", "2"),
    ]
