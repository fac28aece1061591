"""GuestSigV4Auth / signed_session: signing with an offset clock and SDK-style skew correction.

A tiny HTTP server on 127.0.0.1 plays API Gateway's clock check: its clock is off from ours by a
chosen amount, it answers 403 "Signature expired" / "Signature not yet current" with its own Date
header like AWS does, and it recomputes every signature with botocore to prove the re-signed
request is valid, not merely re-dated.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from guestapi.client import GuestSigV4Auth, SigningClock, signed_session

ACCESS_KEY = "ASIATESTTESTTEST0001"
SECRET = "test-secret-key-do-not-log"
TOKEN = "test-session-token-do-not-log"
REGION = "us-east-1"
CREDS = Credentials(ACCESS_KEY, SECRET, TOKEN)
AMZ = "%Y%m%dT%H%M%SZ"


@dataclass
class FakeGateway:
    skew: timedelta = timedelta(0)  # server clock minus real clock
    always_expired: bool = False
    answer_access_denied: bool = False
    seen: list[dict[str, Any]] = field(default_factory=list)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.skew


def _signature_ok(method: str, url: str, headers: dict[str, str], body: bytes) -> bool:
    """Recompute the SigV4 signature with botocore from the headers the client signed."""
    auth = headers["Authorization"]
    parts = dict(p.strip().split("=", 1) for p in auth.split(" ", 1)[1].split(","))
    signed = parts["SignedHeaders"].split(";")
    request = AWSRequest(
        method=method,
        url=url,
        headers={k: v for k, v in headers.items() if k.lower() in signed},
        data=body,
    )
    request.context["timestamp"] = headers["X-Amz-Date"]
    signer = SigV4Auth(CREDS, "execute-api", REGION)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    scope_date = parts["Credential"].split("/")[1]
    return expected == parts["Signature"] and scope_date == headers["X-Amz-Date"][:8]


@pytest.fixture
def gateway() -> Iterator[tuple[FakeGateway, str]]:
    state = FakeGateway()

    class Handler(BaseHTTPRequestHandler):
        def date_time_string(self, timestamp: float | None = None) -> str:
            return format_datetime(state.now().replace(microsecond=0), usegmt=True)

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = dict(self.headers.items())
            url = f"http://{self.headers['Host']}{self.path}"
            ok_sig = _signature_ok(self.command, url, headers, body)
            state.seen.append({"headers": headers, "body": body, "signature_ok": ok_sig})
            signed_at = datetime.strptime(headers["X-Amz-Date"], AMZ).replace(tzinfo=UTC)
            now = state.now()
            if state.always_expired or signed_at < now - timedelta(minutes=5):
                self._json(
                    403,
                    {
                        "message": f"Signature expired: {headers['X-Amz-Date']} is now earlier than ..."
                    },
                )
            elif signed_at > now + timedelta(minutes=5):
                self._json(
                    403,
                    {
                        "message": f"Signature not yet current: {headers['X-Amz-Date']} is still later than ..."
                    },
                )
            elif state.answer_access_denied:
                self._json(
                    403, {"Message": "User: x is not authorized to perform: execute-api:Invoke"}
                )
            else:
                self._json(200, {"ok": True, "echo": body.decode()})

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/dev"
    finally:
        server.shutdown()
        server.server_close()


def _session(clock: SigningClock | None = None, correct_skew: bool = True) -> requests.Session:
    session = requests.Session()
    session.auth = GuestSigV4Auth(CREDS, REGION, clock=clock, correct_skew=correct_skew)
    return session


def test_signs_with_the_session_token_and_a_valid_signature(gateway: Any) -> None:
    state, url = gateway
    response = _session().get(f"{url}/demo")
    assert response.status_code == 200
    (seen,) = state.seen
    assert seen["signature_ok"]
    assert {k.lower(): v for k, v in seen["headers"].items()}["x-amz-security-token"] == TOKEN
    assert f"Credential={ACCESS_KEY}/" in seen["headers"]["Authorization"]


@pytest.mark.parametrize("server_skew_hours", [1, -1, 30])
def test_skew_is_corrected_from_the_date_header_and_retried_once(
    gateway: Any, server_skew_hours: int
) -> None:
    state, url = gateway
    state.skew = timedelta(hours=server_skew_hours)  # 30 h also crosses the scope date
    clock = SigningClock()
    session = _session(clock)

    response = session.post(f"{url}/demo", data=b'{"hello": "world"}')

    assert response.status_code == 200, response.text
    assert response.json()["echo"] == '{"hello": "world"}'
    assert len(state.seen) == 2 and len(response.history) == 1
    assert response.history[0].status_code == 403
    first, retried = state.seen
    assert retried["body"] == first["body"]
    assert retried["signature_ok"]  # re-signed, not just re-dated
    # the clock now carries the server's offset (1 s Date precision, plus test run time)
    assert abs(clock.offset - state.skew) < timedelta(minutes=1)

    # later requests use the learned offset and go through the first time
    state.seen.clear()
    assert session.get(f"{url}/demo").status_code == 200
    assert len(state.seen) == 1


def test_without_correction_the_skewed_request_fails(gateway: Any) -> None:
    # The control for the test above: the same skew, correction off -> the 403 stands.
    state, url = gateway
    state.skew = timedelta(hours=1)
    response = _session(correct_skew=False).get(f"{url}/demo")
    assert response.status_code == 403
    assert response.json()["message"].startswith("Signature expired")
    assert len(state.seen) == 1


def test_retries_only_once(gateway: Any) -> None:
    state, url = gateway
    state.always_expired = True
    response = _session().get(f"{url}/demo")
    assert response.status_code == 403
    assert len(state.seen) == 2


def test_other_403s_are_not_retried(gateway: Any) -> None:
    state, url = gateway
    state.answer_access_denied = True
    clock = SigningClock()
    response = _session(clock).get(f"{url}/demo")
    assert response.status_code == 403
    assert len(state.seen) == 1
    assert clock.offset == timedelta(0)


def test_offset_clock_signs_in_the_past(gateway: Any) -> None:
    state, url = gateway
    clock = SigningClock(offset=timedelta(minutes=-10))
    response = _session(clock, correct_skew=False).get(f"{url}/demo")
    assert response.status_code == 403
    (seen,) = state.seen
    assert seen["signature_ok"]  # a valid signature, only dated 10 minutes ago


def test_signed_session_uses_the_provider_credentials(gateway: Any) -> None:
    state, url = gateway

    class Provider:
        def credentials(self) -> Credentials:
            return CREDS

    session = signed_session(Provider(), REGION)  # type: ignore[arg-type]
    assert session.get(f"{url}/demo").status_code == 200
    assert state.seen[0]["signature_ok"]


def test_secrets_are_never_logged(gateway: Any, caplog: pytest.LogCaptureFixture) -> None:
    state, url = gateway
    state.skew = timedelta(hours=1)
    with caplog.at_level(logging.DEBUG):
        _session().get(f"{url}/demo")
    logged = caplog.text
    assert "clock skew" in logged  # the correction is logged...
    signature = state.seen[-1]["headers"]["Authorization"].rsplit("=", 1)[1]
    for secret in (SECRET, TOKEN, signature):  # ...the keys and the signature are not
        assert secret not in logged
