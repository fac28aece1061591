"""The HTTP/1.1 connection protocol of the offline stack's server: uvicorn's own, with the
limits a public endpoint needs.

- Any method token reaches the app (API Gateway answers an unknown method itself), see
  `AnyMethodProtocol`.
- A request head (request line and headers) over `MAX_HEAD_BYTES` is refused with 431 before
  it is buffered whole, so half-sent giant headers cannot grow the process.
- A connection must send its request head within `HEAD_TIMEOUT_S` of connecting or of its
  previous answer, or it is closed, so silent or slow connections (slowloris) cannot hold the
  server's sockets. The timer runs only while the server waits for a head: never while a request
  is being answered, however long its integration takes (API Gateway waits up to 29 s).
- Header names keep the case the client sent: ASGI hands the app lower-cased names, API Gateway
  hands a Lambda proxy event the names as sent (docs/aws-behaviour.md#proxy-event), so the names
  as received go in the scope's extensions (`HEADER_NAMES`: {"names": [...]}), one per
  `scope["headers"]` entry.
"""

from __future__ import annotations

import asyncio

import httptools
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_COMMON_METHODS = (b"GET ", b"POST ", b"OPTIONS ", b"PUT ", b"DELETE ", b"HEAD ", b"PATCH ")
# A memory guard for the raw head, above API Gateway's own limits (10,240 bytes of URL and
# 10,240 bytes of header values, checked on the parsed request in server.py).
MAX_HEAD_BYTES = 32 * 1024
HEAD_TIMEOUT_S = 10.0
_HEAD_END = b"\r\n\r\n"
HEADER_NAMES = "guestapi.header_names"  # scope["extensions"] key: the names as received
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"Content-Type: application/json\r\nContent-Length: 50\r\nConnection: close\r\n\r\n"
    b'{"message":"Request Header Fields Too Large"}     '
)


class AnyMethodProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, handing a connection to uvicorn's h11 protocol (as uvicorn
    hands one to its WebSocket protocol on upgrade) when a request's method is one httptools
    cannot parse: uvicorn would answer `FETCH` with its own 400 before the app sees it, where API
    Gateway answers 403 MissingAuthenticationTokenException. h11 takes any method but costs about
    twice as much, so only such a connection switches. Only a method at the start of a read is
    looked at: one split across reads, or pipelined behind another request, still gets the 400.
    """

    _at_request_start = True  # no request of this connection has begun and not yet completed
    _head_bytes = 0  # of the request head being read (None once it is complete)
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head_bytes is not None and not self._head_fits(data):
            return
        if (
            self._at_request_start
            and not data.startswith(_COMMON_METHODS)
            and (self.cycle is None or self.cycle.response_complete)
            and _method_unknown_to_httptools(data)
        ):
            self._hand_over_to_h11(data)
            return
        super().data_received(data)

    def on_message_begin(self) -> None:
        self._at_request_start = False
        super().on_message_begin()
        self._header_names: list[str] = []
        # ASGI: each extension's value is a dict.
        self.scope["extensions"] = {HEADER_NAMES: {"names": self._header_names}}

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)  # appends (name.lower(), value) to the scope's headers
        self._header_names.append(name.decode("latin-1"))

    def on_headers_complete(self) -> None:
        self._head_bytes = None  # type: ignore[assignment]
        self._stop_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._at_request_start = True
        self._head_bytes = 0  # what arrives now is the next request's head

    def on_response_complete(self) -> None:
        waiting_for_head = not self.pipeline  # no request already read waits its turn
        super().on_response_complete()
        if waiting_for_head and not self.transport.is_closing():
            self._start_head_timer()

    # -- limits -----------------------------------------------------------------------------
    def _head_fits(self, data: bytes) -> bool:
        """Count the head's bytes (not the body's); refuse the request past the limit."""
        end = data.find(_HEAD_END)
        self._head_bytes += len(data) if end < 0 else end + len(_HEAD_END)
        if self._head_bytes <= MAX_HEAD_BYTES:
            return True
        self.transport.write(_TOO_LARGE)
        self.transport.close()
        return False

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_timer = asyncio.get_event_loop().call_later(HEAD_TIMEOUT_S, self._head_late)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        # Still waiting for a request head: a silent or slowloris connection is closed.
        if self._head_bytes is not None and not self.transport.is_closing():
            self.transport.close()

    def _hand_over_to_h11(self, data: bytes) -> None:
        self._stop_head_timer()  # h11 has its own bound (h11_max_incomplete_event_size)
        protocol = H11Protocol(
            config=self.config, server_state=self.server_state, app_state=self.app_state
        )
        self.connections.discard(self)
        protocol.connection_made(self.transport)
        self.transport.set_protocol(protocol)
        protocol.data_received(data)


class _NoCallbacks:
    """A parser target without callbacks: httptools only calls the ones that exist."""


def _method_unknown_to_httptools(data: bytes) -> bool:
    try:
        httptools.HttpRequestParser(_NoCallbacks()).feed_data(data)
    except httptools.HttpParserInvalidMethodError:
        return True
    except (httptools.HttpParserError, httptools.HttpParserUpgrade):
        return False
    return False
