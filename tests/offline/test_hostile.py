"""Hostile input against the offline stack's port: each attack is refused or bounded, and the
process keeps answering a normal signed request, with its memory bounded.

"Quickly" here is a liveness bound (a stalled server used to freeze for 6 to 55 seconds), not a
speed target: speeds are measured by make bench.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from requests_aws4auth import AWS4Auth

from guestapi.offline import protocol, server
from guestapi.offline.launch import build, running

pytestmark = pytest.mark.offline

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
THROTTLE = {"ThrottlingRateLimit": "10000", "ThrottlingBurstLimit": "5000"}
LIVENESS_S = 3.0  # a normal call must be answered within this, whatever else is going on
RSS_GROWTH_MIB = 64  # the process may grow by at most this much over the whole module


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, str]]:
    offline = build(TEMPLATE, overrides=THROTTLE, max_identities=500)
    with running(offline) as outputs:
        yield outputs


@pytest.fixture(scope="module")
def normal(stack):
    """One normal signed call: returns (status, seconds it took)."""
    cognito = boto3.client(
        "cognito-identity",
        region_name="us-east-1",
        endpoint_url=stack["CognitoIdentityEndpoint"],
        config=Config(signature_version=UNSIGNED),  # guests have no credentials yet
    )
    identity = cognito.get_id(IdentityPoolId=stack["IdentityPoolId"])["IdentityId"]
    creds = cognito.get_credentials_for_identity(IdentityId=identity)["Credentials"]
    auth = AWS4Auth(
        creds["AccessKeyId"],
        creds["SecretKey"],
        "us-east-1",
        "execute-api",
        session_token=creds["SessionToken"],
    )

    def call() -> tuple[int, float]:
        started = time.monotonic()
        status = requests.get(stack["ApiUrl"] + "/demo", auth=auth, timeout=LIVENESS_S).status_code
        return status, time.monotonic() - started

    return call


@pytest.fixture(scope="module", autouse=True)
def memory_bound() -> Iterator[None]:
    before = _rss_mib()
    yield
    assert _rss_mib() - before < RSS_GROWTH_MIB


def _address(stack) -> tuple[str, int]:
    host, port = stack["ApiUrl"].split("//")[1].split("/")[0].split(":")
    return host, int(port)


def _raw(stack, data: bytes) -> bytes:
    """Send raw bytes and read until the server closes. A server that refuses a head while the
    client is still sending it may reset the connection: that reads as what arrived before."""
    chunks = []
    with socket.create_connection(_address(stack), timeout=10) as conn:
        try:
            conn.sendall(data)
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, BrokenPipeError):
            pass
    return b"".join(chunks)


def _refused_head(answer: bytes) -> bool:
    # 431, or reset before the client could read it: either way never served.
    return answer.startswith(b"HTTP/1.1 431") or answer == b""


def test_a_normal_call_is_served(normal) -> None:
    assert normal()[0] == 200


def test_a_signed_headers_blow_up_is_refused_before_any_work(stack, normal) -> None:
    names = ";".join(f"x{i}" for i in range(8000))  # 64 KB of names: froze the process for 6 s
    auth = (
        "AWS4-HMAC-SHA256 Credential=ASIAXXXXXXXXXXXXXXXX/20260101/us-east-1/execute-api/"
        f"aws4_request, SignedHeaders=host;{names}, Signature=00"
    )
    with requests.Session() as session:
        answer = session.get(stack["ApiUrl"] + "/demo", headers={"Authorization": auth}, timeout=10)
    assert answer.status_code == 431
    # Under the head limit, the name count is capped before botocore sees the list.
    few = ";".join(f"x{i}" for i in range(150))
    answer = requests.get(
        stack["ApiUrl"] + "/demo",
        headers={"Authorization": auth.replace(names, few), "X-Amz-Date": "20260101T000000Z"},
        timeout=10,
    )
    assert answer.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"
    assert "more than 100" in answer.json()["message"]
    assert normal()[0] == 200


def test_an_oversized_header_and_ten_thousand_headers_are_refused(stack, normal) -> None:
    big = b"GET /dev/demo HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n"
    assert _refused_head(_raw(stack, big))
    many = (
        b"GET /dev/demo HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-%d: y\r\n" % i for i in range(10_000))
        + b"\r\n"
    )
    assert _refused_head(_raw(stack, many))
    # Under the raw limit but over API Gateway's quotas: refused by the app, with a body.
    header_values = b"GET /dev/demo HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 11_000 + b"\r\n\r\n"
    answer = _raw(stack, header_values)
    assert answer.startswith(b"HTTP/1.1 431")
    assert b'"Request Header Fields Too Large"' in answer
    three_hundred = (
        b"GET /dev/demo HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-%d: y\r\n" % i for i in range(300))
        + b"\r\n"
    )
    assert _raw(stack, three_hundred).startswith(b"HTTP/1.1 431")
    assert normal()[0] == 200


def test_silent_and_slowloris_connections_are_closed_and_others_served(
    stack, normal, monkeypatch
) -> None:
    monkeypatch.setattr(protocol, "HEAD_TIMEOUT_S", 0.5)
    conns = [socket.create_connection(_address(stack), timeout=5) for _ in range(50)]
    try:
        for i, conn in enumerate(conns):
            if i % 2:  # half send a first line and stop (slowloris), half send nothing
                conn.sendall(b"GET /dev/demo HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        status, _ = normal()
        assert status == 200
        time.sleep(1.5)
        closed = sum(1 for conn in conns if conn.recv(1) == b"")
        assert closed == len(conns)  # every one of them was closed by the server
    finally:
        for conn in conns:
            conn.close()


def test_a_half_sent_body_times_out_and_others_are_served(stack, normal, monkeypatch) -> None:
    monkeypatch.setattr(server, "BODY_IDLE_TIMEOUT_S", 0.5)
    with socket.create_connection(_address(stack), timeout=5) as conn:
        conn.sendall(
            b"POST /dev/demo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789"
        )
        assert normal()[0] == 200
        answer = conn.recv(65536)
    assert answer.startswith(b"HTTP/1.1 408")


@pytest.mark.parametrize(
    "attack",
    [
        # CL.TE: a smuggled GET after a chunked terminator.
        b"POST /dev/demo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked"
        b"\r\n\r\n0\r\n\r\nGET /dev/demo HTTP/1.1\r\nHost: x\r\n\r\n",
        # Two different Content-Lengths.
        b"POST /dev/demo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n"
        b"GET /dev/demo HTTP/1.1\r\nHost: x\r\n\r\n",
        # An obsolete line fold hiding a header.
        b"GET /dev/demo HTTP/1.1\r\nHost: x\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n",
    ],
    ids=["CL.TE", "CL.CL", "obs-fold"],
)
def test_request_smuggling_forms_never_reach_the_api_as_a_second_request(stack, attack) -> None:
    answer = _raw(stack, attack)
    statuses = [line for line in answer.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]
    # Refused by the parser (400), or answered once as the single request it is: never a
    # second answer for a request hidden inside the first.
    assert len(statuses) == 1, answer[:300]
    assert not statuses[0].startswith(b"HTTP/1.1 200")


def test_a_get_id_storm_is_bounded_and_refused_not_evicting(stack, normal) -> None:
    def get_id() -> int:
        body = json.dumps({"IdentityPoolId": stack["IdentityPoolId"]}).encode()
        answer = requests.post(
            stack["CognitoIdentityEndpoint"],
            data=body,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityService.GetId",
            },
            timeout=10,
        )
        return answer.status_code

    results: list[int] = []
    workers = [
        threading.Thread(target=lambda: results.extend(get_id() for _ in range(150)))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results.count(200) <= 500  # the bound, less the identities earlier tests made
    assert results.count(400) >= 100  # the rest refused (TooManyRequestsException)
    assert normal()[0] == 200  # the guest who already had an identity keeps working


def test_a_worst_case_request_does_not_hold_up_a_cognito_call(stack) -> None:
    names = ";".join(f"x{i}" for i in range(99))
    worst = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=ASIAXXXXXXXXXXXXXXXX/20260101/us-east-1/"
        f"execute-api/aws4_request, SignedHeaders=host;{names}, Signature=00",
        "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        **{f"X-{i}": "y" * 40 for i in range(150)},
    }
    stop = threading.Event()

    def hammer() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                session.get(stack["ApiUrl"] + "/demo", headers=worst, timeout=10)

    threads = [threading.Thread(target=hammer) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        body = json.dumps({"IdentityPoolId": stack["IdentityPoolId"]}).encode()
        started = time.monotonic()
        answer = requests.post(
            stack["CognitoIdentityEndpoint"],
            data=body,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityService.DescribeIdentityPool",
            },
            timeout=LIVENESS_S,
        )
        waited = time.monotonic() - started
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert answer.status_code == 400  # DescribeIdentityPool unsigned: refused, but answered
    assert waited < LIVENESS_S
