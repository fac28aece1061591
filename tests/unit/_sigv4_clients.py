"""Sign requests with real client libraries and hand them over as the server would receive them.

Each helper returns the `IncomingRequest` a server sees (raw path and query exactly as they
would go on the wire, every header including Host) plus the signing time taken from the
request itself, so tests can verify at that instant without reading the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

from guestapi.offline.sigv4 import KnownCredential
from guestapi.offline.wire import Request as IncomingRequest

REGION = "us-east-1"
SERVICE = "execute-api"
HOST = "abc123defg.execute-api.us-east-1.amazonaws.com"
# Obviously fake material in the shape of Cognito guest credentials.
CREDENTIAL = KnownCredential(
    access_key_id="ASIAFAKEGUESTKEY0001",
    secret_access_key="fakeSecretForUnitTestsOnly/0000000000000",
    session_token="FAKE-session-token-for-unit-tests//+==",
    expiration=None,
)


def lookup(key: str) -> KnownCredential | None:
    return CREDENTIAL if key == CREDENTIAL.access_key_id else None


def _amz_time(headers: dict[str, str] | None, query: str = "") -> datetime:
    stamp = None
    if headers:
        stamp = next((v for k, v in headers.items() if k.lower() == "x-amz-date"), None)
    if stamp is None:
        for piece in query.split("&"):
            key, _, value = piece.partition("=")
            if key == "X-Amz-Date":
                stamp = value
    assert stamp is not None, "signed request carries no X-Amz-Date"
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _incoming(method: str, url: str, headers: dict[str, str], body: bytes) -> IncomingRequest:
    parts = urlsplit(url)
    all_headers = [("Host", parts.netloc), *headers.items()]
    return IncomingRequest(
        method=method,
        raw_path=parts.path,
        raw_query=parts.query,
        headers=tuple(all_headers),
        body=body,
        host=parts.netloc,
    )


def aws4auth(
    method: str,
    path: str,
    *,
    params: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    amz_date: str | None = None,
    include_hdrs: list[str] | None = None,
    credential: KnownCredential = CREDENTIAL,
    region: str = REGION,
    service: str = SERVICE,
) -> tuple[IncomingRequest, datetime]:
    """Sign with requests-aws4auth; `amz_date` pins the signing time (it honours X-Amz-Date)."""
    extra = dict(headers or {})
    if amz_date:
        extra["X-Amz-Date"] = amz_date
    kwargs = {"session_token": credential.session_token}
    if include_hdrs is not None:
        kwargs["include_hdrs"] = include_hdrs
    auth = AWS4Auth(
        credential.access_key_id, credential.secret_access_key, region, service, **kwargs
    )
    prepared = requests.Request(
        method, f"https://{HOST}{path}", params=params, data=body or None, headers=extra
    ).prepare()
    auth(prepared)
    sent_body = prepared.body or b""
    if isinstance(sent_body, str):
        sent_body = sent_body.encode()
    sent = dict(prepared.headers)
    return _incoming(method, prepared.url, sent, sent_body), _amz_time(sent)


def _credentials(credential: KnownCredential) -> Credentials:
    return Credentials(
        credential.access_key_id, credential.secret_access_key, credential.session_token
    )


def botocore_header(
    method: str,
    url_path: str,
    *,
    params: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    credential: KnownCredential = CREDENTIAL,
    region: str = REGION,
    service: str = SERVICE,
) -> tuple[IncomingRequest, datetime]:
    """Sign with botocore's SigV4Auth (Authorization header). `url_path` is already encoded."""
    request = AWSRequest(
        method=method,
        url=f"https://{HOST}{url_path}",
        data=body,
        params=params or {},
        headers=dict(headers or {}),
    )
    SigV4Auth(_credentials(credential), service, region).add_auth(request)
    prepared = request.prepare()
    sent = dict(prepared.headers.items())
    return _incoming(method, prepared.url, sent, body), _amz_time(sent)


def botocore_presigned(
    method: str,
    url_path: str,
    *,
    expires: int = 300,
    body: bytes = b"",
    credential: KnownCredential = CREDENTIAL,
    region: str = REGION,
    service: str = SERVICE,
) -> tuple[IncomingRequest, datetime]:
    """Presign with botocore's SigV4QueryAuth. `url_path` may carry an encoded query."""
    request = AWSRequest(method=method, url=f"https://{HOST}{url_path}", data=body)
    SigV4QueryAuth(_credentials(credential), service, region, expires=expires).add_auth(request)
    prepared = request.prepare()
    sent = dict(prepared.headers.items())
    return _incoming(method, prepared.url, sent, body), _amz_time(
        None, urlsplit(prepared.url).query
    )
