"""What the offline stack's SigV4 verifier costs per request, in-process, in each form.

`guestapi.offline.sigv4.verify` on a header-signed GET /dev/demo, on one presigned URL sent again
and again (as the throughput runs send it, and as presigned URLs are used: the decoded query and
botocore's canonical query string are memoised per URL), and on a fresh presigned URL for every
request (nothing memoised can help). Session tokens are shaped like the stack's own (base64 of
300 random bytes), so percent-encoding them costs what it costs on the server.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import median
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from guestapi.offline import sigv4
from guestapi.offline.wire import Request

URL = "http://127.0.0.1:4566/dev/demo"
REGION = "us-east-1"


@dataclass(frozen=True)
class VerifyResult:
    form: str
    median_us: float


def _incoming(url: str, headers: tuple[tuple[str, str], ...] = ()) -> Request:
    parts = urlsplit(url)
    return Request(
        method="GET",
        raw_path=parts.path,
        raw_query=parts.query,
        headers=(("Host", parts.netloc), ("User-Agent", "wrk"), *headers),
        body=b"",
        host=parts.netloc,
    )


def _presigned(credentials: Credentials, expires: int) -> Request:
    request = AWSRequest(method="GET", url=URL)
    SigV4QueryAuth(credentials, "execute-api", REGION, expires=expires).add_auth(request)
    return _incoming(request.url)


def measure(*, per_round: int = 2000, rounds: int = 5) -> list[VerifyResult]:
    token = base64.b64encode(os.urandom(300)).decode()
    secret = base64.b64encode(os.urandom(30)).decode()
    credentials = Credentials("ASIABENCHVERIFY00001", secret, token)
    known = sigv4.KnownCredential(credentials.access_key, secret, token, None)

    def lookup(key: str) -> sigv4.KnownCredential | None:
        return known if key == known.access_key_id else None

    signed = AWSRequest(method="GET", url=URL, headers={"Host": urlsplit(URL).netloc})
    SigV4Auth(credentials, "execute-api", REGION).add_auth(signed)
    header_form = _incoming(URL, tuple((k, v) for k, v in signed.headers.items() if k != "Host"))
    reused = _presigned(credentials, 3600)
    # A different X-Amz-Expires makes each URL (and its canonical query) unique.
    fresh = [_presigned(credentials, 3600 + i) for i in range(rounds * per_round)]
    now = datetime.now(UTC)

    def cost(requests: list[Request]) -> float:
        started = time.perf_counter()
        for request in requests:
            sigv4.verify(request, region=REGION, now=now, lookup=lookup)
        return (time.perf_counter() - started) / len(requests) * 1e6

    for request in (header_form, reused, fresh[0]):
        sigv4.verify(request, region=REGION, now=now, lookup=lookup)  # all must verify
    timings: dict[str, list[float]] = {"header": [], "reused": [], "fresh": []}
    for r in range(rounds):
        timings["header"].append(cost([header_form] * per_round))
        timings["reused"].append(cost([reused] * per_round))
        timings["fresh"].append(cost(fresh[r * per_round : (r + 1) * per_round]))
    names = {
        "header": "header-signed",
        "reused": "presigned, the same URL again",
        "fresh": "presigned, a new URL each request",
    }
    return [VerifyResult(names[k], median(v)) for k, v in timings.items()]
