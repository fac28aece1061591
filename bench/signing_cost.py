"""Measurement 1: what SigV4 signing costs per request, for each signer the client could use.

Every signer signs the same `GET https://<api>.execute-api.<region>.amazonaws.com/dev/demo` with the
same temporary (session-token) credentials. Requests are built before the clock starts, so only the
signing is timed. Rounds interleave the signers, so a burst of load from elsewhere on the machine
hits them all alike; the figure is the median round.

Each signer's output is then checked by the offline stack's verifier (`guestapi.offline.sigv4`,
which recomputes with botocore): a fast signer that signs wrongly would be no result at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from statistics import median
from typing import Any
from urllib.parse import urlsplit

import requests
from awscrt import auth as crt_auth
from awscrt import http as crt_http
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.crt.auth import CrtSigV4Auth  # after botocore.auth: a circular import otherwise
from requests_aws4auth import AWS4Auth

from guestapi.client.signing import GuestSigV4Auth
from guestapi.offline import sigv4
from guestapi.offline.wire import Request

REGION = "us-east-1"
SERVICE = "execute-api"
URL = f"https://a1b2c3d4e5.execute-api.{REGION}.amazonaws.com/dev/demo"
# Shapes of real Cognito guest keys: ASIA + 16, a 40-character secret, a long session token.
ACCESS_KEY = "ASIABENCHMARK0000001"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBENCHMARK0"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjE" + "A" * 900


@dataclass(frozen=True)
class SignerResult:
    name: str
    library: str  # "package version"
    median_us: float  # per request, median of the rounds
    best_us: float  # per request, fastest round
    verified: bool  # the offline verifier accepted this signer's output
    control_refused: bool  # ... and refused the same output checked against another secret


@dataclass(frozen=True)
class _Signer:
    name: str
    package: str
    build: Callable[[], Any]  # one unsigned request
    sign: Callable[[Any], Any]  # signs in place or returns the signed request
    to_incoming: Callable[[Any], Request]


def _host() -> str:
    return urlsplit(URL).netloc


def _incoming(method: str, url: str, headers: list[tuple[str, str]]) -> Request:
    parts = urlsplit(url)
    if not any(k.lower() == "host" for k, _ in headers):
        # On the wire the HTTP library adds Host; the signed value is the URL's netloc.
        headers = [("Host", parts.netloc), *headers]
    return Request(
        method=method,
        raw_path=parts.path,
        raw_query=parts.query,
        headers=tuple(headers),
        body=b"",
        host=parts.netloc,
    )


def _requests_signer(name: str, auth: Any, package: str) -> _Signer:
    return _Signer(
        name=name,
        package=package,
        build=lambda: requests.Request("GET", URL).prepare(),
        sign=auth,
        to_incoming=lambda p: _incoming(
            p.method,
            p.url,
            [(k, v if isinstance(v, str) else v.decode()) for k, v in p.headers.items()],
        ),
    )


def _botocore_signer(name: str, auth: Any) -> _Signer:
    def sign(request: AWSRequest) -> AWSRequest:
        auth.add_auth(request)
        return request

    return _Signer(
        name=name,
        package="botocore",
        build=lambda: AWSRequest(method="GET", url=URL, headers={"Host": _host()}),
        sign=sign,
        to_incoming=lambda r: _incoming(r.method, r.url, list(r.headers.items())),
    )


def _awscrt_signer() -> _Signer:
    path = urlsplit(URL).path

    def build() -> Any:
        return crt_http.HttpRequest("GET", path, crt_http.HttpHeaders([("host", _host())]))

    def sign(request: Any) -> Any:
        # Per request, as botocore's own CRT signer does: the config carries the signing time.
        provider = crt_auth.AwsCredentialsProvider.new_static(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
        config = crt_auth.AwsSigningConfig(
            algorithm=crt_auth.AwsSigningAlgorithm.V4,
            signature_type=crt_auth.AwsSignatureType.HTTP_REQUEST_HEADERS,
            credentials_provider=provider,
            region=REGION,
            service=SERVICE,
        )
        return crt_auth.aws_sign_request(request, config).result()

    def to_incoming(request: Any) -> Request:
        return _incoming("GET", URL, list(request.headers))

    return _Signer("awscrt aws_sign_request", "awscrt", build, sign, to_incoming)


def _botocore_crt_signer(credentials: Credentials) -> _Signer:
    signer = _botocore_signer(
        "botocore CrtSigV4Auth (awscrt)", CrtSigV4Auth(credentials, SERVICE, REGION)
    )
    return _Signer(signer.name, "awscrt", signer.build, signer.sign, signer.to_incoming)


def signers() -> list[_Signer]:
    """The signers to compare (awscrt is pinned in requirements.lock, as make bench installs)."""
    credentials = Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    return [
        _requests_signer(
            "requests-aws4auth AWS4Auth",
            AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE, session_token=SESSION_TOKEN),
            "requests-aws4auth",
        ),
        _requests_signer(
            "guestapi GuestSigV4Auth (AWS4Auth + clock)",
            GuestSigV4Auth(credentials, REGION),
            "requests-aws4auth",
        ),
        _botocore_signer("botocore SigV4Auth", SigV4Auth(credentials, SERVICE, REGION)),
        _awscrt_signer(),
        _botocore_crt_signer(credentials),
    ]


def _verified(signer: _Signer, secret: str = SECRET_KEY) -> bool:
    known = sigv4.KnownCredential(
        access_key_id=ACCESS_KEY,
        secret_access_key=secret,
        session_token=SESSION_TOKEN,
        expiration=datetime.now(UTC) + timedelta(hours=1),
    )
    signed = signer.sign(signer.build())
    request = signer.to_incoming(signed if signed is not None else signer.build())
    try:
        sigv4.verify(
            request,
            region=REGION,
            now=datetime.now(UTC),
            lookup=lambda key: known if key == ACCESS_KEY else None,
        )
    except sigv4.SigV4Error:
        return False
    return True


def _package_version(name: str) -> str:
    try:
        return f"{name} {version(name)}"
    except PackageNotFoundError:
        return f"{name} (not installed)"


def measure(*, per_round: int = 2000, rounds: int = 7) -> list[SignerResult]:
    found = signers()
    timings: dict[str, list[float]] = {s.name: [] for s in found}
    for _ in range(rounds):
        for signer in found:
            batch = [signer.build() for _ in range(per_round)]
            sign = signer.sign
            start = time.perf_counter()
            for request in batch:
                sign(request)
            elapsed = time.perf_counter() - start
            timings[signer.name].append(elapsed / per_round * 1e6)
    results = [
        SignerResult(
            name=s.name,
            library=_package_version(s.package),
            median_us=median(timings[s.name]),
            best_us=min(timings[s.name]),
            verified=_verified(s),
            control_refused=not _verified(s, secret=SECRET_KEY[::-1]),
        )
        for s in found
    ]
    return results
