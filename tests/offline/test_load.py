"""Load test: mixed valid and invalid traffic against the offline stack, zero wrong answers.

Sixteen concurrent aiohttp workers send, for `GUESTAPI_LOAD_SECONDS` (10 s by default so CI stays
fast; the issue's full run is `GUESTAPI_LOAD_SECONDS=60 pytest -m load`), a seeded random mix of:
- valid: header-signed GET /demo from several guests, presigned GET /demo, the CORS preflight,
  and Cognito GetId;
- invalid: unsigned, tampered signature, signed for a path that does not exist, scoped to the wrong
  region, signed 10 minutes ago, signed with an unknown key, and malformed JSON to Cognito.

Every answer is checked against what AWS gives for that request (status and x-amzn-ErrorType,
plus the caller's identity for the signed calls). A wrong answer is a valid request denied, an
invalid one allowed, or an invalid one refused for the wrong reason. The stage throttle is raised
so that a 429 is not expected: 429s are counted separately and must be zero too.

The control test runs the same traffic with the signature comparison switched off and shows the
tampered requests counted as wrong answers: the check can fail.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import random
import time
import types
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import aiohttp
import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth
from yarl import URL

from guestapi.offline.launch import serve
from guestapi.offline.sigv4 import verifier

pytestmark = [pytest.mark.offline, pytest.mark.load]

LOAD_SECONDS = float(os.environ.get("GUESTAPI_LOAD_SECONDS", "10"))
WORKERS = 16
GUESTS = 4
SEED = 20261126
HIGH_THROTTLE = {"ThrottlingRateLimit": "10000", "ThrottlingBurstLimit": "5000"}
COGNITO_JSON = "application/x-amz-json-1.1"


@dataclass(frozen=True)
class Guest:
    identity_id: str
    credentials: Credentials
    presigned_demo_url: str


@dataclass(frozen=True)
class Call:
    """One request to send and the answer AWS would give it."""

    kind: str
    valid: bool
    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""
    expect_status: int = 200
    expect_error: str | None = None
    expect_identity: str | None = None


@dataclass
class Tally:
    sent: Counter[str] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)
    valid_denied: Counter[str] = field(default_factory=Counter)
    invalid_allowed: Counter[str] = field(default_factory=Counter)
    wrong_refusal: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)

    @property
    def wrong(self) -> int:
        return sum((self.valid_denied + self.invalid_allowed + self.wrong_refusal).values())

    def table(self, seconds: float) -> str:
        total = sum(self.sent.values())
        lines = [
            f"load: {total} requests in {seconds:.1f} s ({total / seconds:.0f}/s), "
            f"{WORKERS} workers; wrong answers: {self.wrong}, throttled: "
            f"{sum(self.throttled.values())}, transport errors: {sum(self.transport_errors.values())}",
            f"  {'kind':16} {'sent':>7} {'right':>7} {'denied':>7} {'allowed':>8} "
            f"{'wrong-why':>9} {'429':>5}",
        ]
        for kind in sorted(self.sent):
            lines.append(
                f"  {kind:16} {self.sent[kind]:7d} {self.right[kind]:7d} "
                f"{self.valid_denied[kind]:7d} {self.invalid_allowed[kind]:8d} "
                f"{self.wrong_refusal[kind]:9d} {self.throttled[kind]:5d}"
            )
        return "\n".join(lines)


# ------------------------------------------------------------------------------ traffic
class Traffic:
    def __init__(self, outputs: dict[str, str], guests: list[Guest]) -> None:
        self.outputs = outputs
        self.guests = guests
        self.region = outputs["Region"]
        self.demo_url = outputs["ApiUrl"] + "/demo"
        self.host = urlsplit(self.demo_url).netloc
        self.unknown = Credentials("ASIA" + "Q" * 16, "s" * 40, "t" * 300)
        kinds = {
            # valid
            "signed": 25,
            "presigned": 15,
            "preflight": 10,
            "get_id": 10,
            # invalid
            "unsigned": 6,
            "tampered": 6,
            "wrong_path": 6,
            "wrong_region": 6,
            "stale": 6,
            "unknown_key": 5,
            "bad_json": 5,
        }
        self.kinds = list(kinds)
        self.weights = list(kinds.values())

    def _signed_headers(
        self, creds: Credentials, url: str, *, region: str | None = None
    ) -> dict[str, str]:
        request = AWSRequest(method="GET", url=url, headers={"Host": self.host})
        SigV4Auth(creds, "execute-api", region or self.region).add_auth(request)
        return dict(request.headers.items())

    def make(self, rng: random.Random) -> Call:
        kind = rng.choices(self.kinds, self.weights)[0]
        guest = rng.choice(self.guests)
        url = self.demo_url
        if kind == "signed":
            headers = self._signed_headers(guest.credentials, url)
            return Call(kind, True, "GET", url, headers, expect_identity=guest.identity_id)
        if kind == "presigned":
            return Call(
                kind, True, "GET", guest.presigned_demo_url, {}, expect_identity=guest.identity_id
            )
        if kind == "preflight":
            headers = {
                "Origin": "http://localhost:8000",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization,x-amz-date,x-amz-security-token",
            }
            return Call(kind, True, "OPTIONS", url, headers)
        if kind == "get_id":
            body = json.dumps({"IdentityPoolId": self.outputs["IdentityPoolId"]}).encode()
            return Call(
                kind, True, "POST", self.outputs["CognitoIdentityEndpoint"], self._cognito(), body
            )
        if kind == "unsigned":
            return Call(
                kind, False, "GET", url, {}, b"", 403, "MissingAuthenticationTokenException"
            )
        if kind == "tampered":
            headers = self._signed_headers(guest.credentials, url)
            sig = headers["Authorization"][-1]
            headers["Authorization"] = headers["Authorization"][:-1] + ("0" if sig != "0" else "1")
            return Call(kind, False, "GET", url, headers, b"", 403, "InvalidSignatureException")
        if kind == "wrong_path":
            other = self.outputs["ApiUrl"] + "/nothere"
            headers = self._signed_headers(guest.credentials, other)
            return Call(
                kind, False, "GET", other, headers, b"", 403, "MissingAuthenticationTokenException"
            )
        if kind == "wrong_region":
            headers = self._signed_headers(guest.credentials, url, region="eu-west-1")
            return Call(kind, False, "GET", url, headers, b"", 403, "InvalidSignatureException")
        if kind == "stale":
            return Call(
                kind, False, "GET", url, self._stale(guest), b"", 403, "InvalidSignatureException"
            )
        if kind == "unknown_key":
            headers = self._signed_headers(self.unknown, url)
            return Call(kind, False, "GET", url, headers, b"", 403, "UnrecognizedClientException")
        body = b'{"IdentityPoolId": '
        return Call(
            "bad_json",
            False,
            "POST",
            self.outputs["CognitoIdentityEndpoint"],
            self._cognito(),
            body,
            400,
            "SerializationException",
        )

    @staticmethod
    def _cognito() -> dict[str, str]:
        return {"Content-Type": COGNITO_JSON, "X-Amz-Target": "AWSCognitoIdentityService.GetId"}

    def _stale(self, guest: Guest) -> dict[str, str]:
        # Correctly signed, 10 minutes ago: requests-aws4auth signs with an X-Amz-Date it finds.
        creds = guest.credentials
        prepared = requests.Request("GET", self.demo_url).prepare()
        then = datetime.now(UTC) - timedelta(minutes=10)
        prepared.headers["X-Amz-Date"] = then.strftime("%Y%m%dT%H%M%SZ")
        auth = AWS4Auth(
            creds.access_key,
            creds.secret_key,
            self.region,
            "execute-api",
            session_token=creds.token,
        )
        auth(prepared)
        return {"Host": self.host, **{k: str(v) for k, v in prepared.headers.items()}}


def judge(call: Call, status: int, error_type: str | None, body: bytes, tally: Tally) -> None:
    kind = call.kind
    if status == 429:
        tally.throttled[kind] += 1
        return
    if call.valid:
        ok = status == 200
        if ok and call.expect_identity is not None:
            ok = json.loads(body).get("identityId") == call.expect_identity
        if ok and kind == "get_id":
            ok = "IdentityId" in json.loads(body)
        (tally.right if ok else tally.valid_denied)[kind] += 1
    elif 200 <= status < 300:
        tally.invalid_allowed[kind] += 1
    elif (status, error_type) == (call.expect_status, call.expect_error):
        tally.right[kind] += 1
    else:
        tally.wrong_refusal[kind] += 1


async def _worker(
    session: aiohttp.ClientSession,
    traffic: Traffic,
    rng: random.Random,
    deadline: float,
    tally: Tally,
) -> None:
    while time.monotonic() < deadline:
        call = traffic.make(rng)
        tally.sent[call.kind] += 1
        try:
            async with session.request(
                call.method,
                URL(call.url, encoded=True),
                headers=call.headers,
                data=call.body or None,
                allow_redirects=False,
            ) as resp:
                body = await resp.read()
                judge(call, resp.status, resp.headers.get("x-amzn-ErrorType"), body, tally)
        except (TimeoutError, aiohttp.ClientError):
            tally.transport_errors[call.kind] += 1


async def _load(traffic: Traffic, seconds: float) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=WORKERS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(
            *(
                _worker(session, traffic, random.Random(SEED + i), deadline, tally)
                for i in range(WORKERS)
            )
        )
    return tally


def run_load(traffic: Traffic, seconds: float) -> tuple[Tally, float]:
    started = time.monotonic()
    tally = asyncio.run(_load(traffic, seconds))
    return tally, time.monotonic() - started


# ------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, str]]:
    with serve(overrides=HIGH_THROTTLE) as outputs:
        yield outputs


@pytest.fixture(scope="module")
def traffic(stack: dict[str, str]) -> Traffic:
    cognito = boto3.client(
        "cognito-identity",
        region_name=stack["Region"],
        endpoint_url=stack["CognitoIdentityEndpoint"],
        config=Config(signature_version=UNSIGNED),
    )
    guests = []
    for _ in range(GUESTS):
        identity_id = cognito.get_id(IdentityPoolId=stack["IdentityPoolId"])["IdentityId"]
        c = cognito.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
        creds = Credentials(c["AccessKeyId"], c["SecretKey"], c["SessionToken"])
        request = AWSRequest(method="GET", url=stack["ApiUrl"] + "/demo")
        SigV4QueryAuth(creds, "execute-api", stack["Region"], expires=3600).add_auth(request)
        guests.append(Guest(identity_id, creds, request.url))
    return Traffic(stack, guests)


# ------------------------------------------------------------------------------ tests
def test_mixed_traffic_gets_zero_wrong_answers(traffic: Traffic, capsys) -> None:
    tally, seconds = run_load(traffic, LOAD_SECONDS)
    with capsys.disabled():
        print("\n" + tally.table(seconds))
    assert set(tally.sent) == set(traffic.kinds), "every kind of request was sent"
    assert all(tally.right[k] > 0 for k in traffic.kinds), tally.table(seconds)
    assert sum(tally.transport_errors.values()) == 0, tally.table(seconds)
    assert sum(tally.throttled.values()) == 0, tally.table(seconds)
    assert tally.wrong == 0, tally.table(seconds)


def test_wrong_answers_are_counted_when_the_signature_check_is_off(
    traffic: Traffic, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control: the verifier compares signatures (and tokens) with hmac.compare_digest. With
    # that comparison always true, tampered signatures are served, and the tally says so.
    always_equal = types.SimpleNamespace(compare_digest=lambda a, b: True, new=hmac.new)
    monkeypatch.setattr(verifier, "hmac", always_equal)
    tally, _ = run_load(traffic, 1.0)
    assert tally.invalid_allowed["tampered"] > 0
    assert tally.wrong >= tally.invalid_allowed["tampered"]
