"""Signed requests to a running offline stack over one raw keep-alive connection (http.client),
so a test sees exactly the bytes the server framed, answer after answer."""

from __future__ import annotations

import http.client
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from _offline_guest import Guest
from guestapi.offline.launch import OfflineStack, running


@contextmanager
def serving(offline: OfflineStack, gateway: object | None = None) -> Iterator[str]:
    """Serve `offline` (with `gateway` in place of its own, if given); yield the API URL."""
    served = offline if gateway is None else replace(offline, gateway=gateway)
    with running(served) as outputs:
        yield outputs["ApiUrl"]


def signed(
    guest: Guest,
    url: str,
    method: str = "GET",
    body: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
) -> tuple[str, list[tuple[str, str]]]:
    """(path with query, headers) of a SigV4-signed request; header names keep their case."""
    host = urlsplit(url).netloc
    aws = AWSRequest(method=method, url=url, data=body, headers={"Host": host, **dict(headers)})
    SigV4Auth(guest.credentials, "execute-api", guest.region).add_auth(aws)
    prepared = aws.prepare()
    parts = urlsplit(prepared.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return target, list(prepared.headers.items())


def send(
    connection: http.client.HTTPConnection,
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes = b"",
) -> http.client.HTTPResponse:
    """One request on `connection`, headers sent in order and in their case."""
    connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    if body:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body or None)
    return connection.getresponse()


def connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
