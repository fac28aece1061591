"""A service of the offline stack asked without HTTP or a socket, as the server would hand it the
request: the JSON protocols by X-Amz-Target, the Query protocol (STS) by its form body."""

from __future__ import annotations

from guestapi.offline.awsapi import AwsService
from guestapi.offline.wire import Request, Response

FORM = ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")


def call_json(service: AwsService, target: str, body: bytes | str) -> Response:
    """`service` asked, without HTTP, what it answers to `body` under X-Amz-Target `target`."""
    data = body.encode() if isinstance(body, str) else body
    return service.handle(Request("POST", "/", "", (("X-Amz-Target", target),), data))


def call_form(service: AwsService, body: bytes) -> Response:
    """`service` asked, without HTTP, what it answers to the form `body` (Query protocol)."""
    return service.handle(Request("POST", "/", "", (FORM,), body))
