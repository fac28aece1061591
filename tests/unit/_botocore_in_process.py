"""Unmodified boto3 clients talking to the Cognito/STS services in-process, without a server or a
socket: botocore's `before-send` event (botocore's documented hook for answering a request
itself) hands each signed request to the service and the service's bytes back to botocore's own
parser. The service is picked by the offline server's dispatch (`server.route_service` over
`launch.service_routes`), so both route STS the same way.

    with serve_services(cognito, sts) as url:
        client = in_process(boto3.session.Session().client("sts", endpoint_url=url, ...))
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from guestapi.offline.launch import service_routes
from guestapi.offline.server import route_service
from guestapi.offline.wire import Request, Response

_served: dict[str, Callable[[Request], Response]] = {}
_numbers = itertools.count()


class _Body:
    """The raw body botocore's AWSResponse reads (it calls `stream()`)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def _answer(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
    parts = urlsplit(request.url)
    handle = _served.get(parts.netloc)
    if handle is None:
        return None  # not ours: botocore sends it (and pytest-socket refuses)
    body = request.body or b""
    body = (
        body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else body.read()
    )
    headers = tuple(
        (k, v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()
    )
    response = handle(Request(request.method, parts.path or "/", parts.query, headers, body))
    return AWSResponse(request.url, response.status, dict(response.headers), _Body(response.body))


def in_process(client: Any) -> Any:
    """`client`, its requests to a `serve_services` URL answered in-process."""
    client.meta.events.register("before-send", _answer)
    return client


@contextmanager
def serve_services(
    cognito: Callable[[Request], Response],
    sts: Callable[[Request], Response] | None = None,
) -> Iterator[str]:
    """A URL under which `cognito` (and `sts`, if given) answer as the offline server routes them."""
    routes = service_routes(cognito, sts)

    def dispatch(request: Request) -> Response:
        route = route_service(routes, request.method, request.raw_path, request.headers)
        assert route is not None, f"no service at {request.raw_path}"
        return route.handle(request)

    host = f"services-{next(_numbers)}.offline.invalid"
    _served[host] = dispatch
    try:
        yield f"http://{host}"
    finally:
        del _served[host]
