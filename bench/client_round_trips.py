"""Measurement 2: how often the guest client talks to Cognito, and whether a request ever waits.

1,000 signed `GET /demo` calls spread evenly over 3 simulated hours. One simulated clock drives the
client (credential expiry and refresh, the signing time) and the offline stack (credential
expiry, the SigV4 time check), so an hour passes in well under a second of real time.

The client is the real one (`GuestCredentialProvider` + `signed_session`) talking HTTP to the
offline stack through a real botocore cognito-identity client. Cognito calls are counted and timed
with botocore's own event hooks (`before-call` / `after-call`) on that client: nothing is wrapped.
The time a request spent waiting on Cognito is the Cognito time spent *on the requesting
thread* inside that request. The client runs its background prefetch
(`start_background_refresh`), polling the simulated clock every 2 ms of real time; its fetches
happen on its own thread and are counted, but no request waits for them.

This runs the stack in-process (`serve(clock=...)`): the simulated clock is a Python callable,
and what is measured here is round-trip *counts* and waits, not throughput.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
from botocore import UNSIGNED
from botocore.config import Config

from guestapi.client import GuestCredentialProvider, SigningClock, signed_session
from guestapi.offline.launch import serve
from offline_process import HIGH_THROTTLE


class SimulatedClock:
    """Real now at start, then only moves when told to."""

    def __init__(self) -> None:
        self._start = datetime.now(UTC).replace(microsecond=0)
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._start + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    @property
    def elapsed(self) -> timedelta:
        with self._lock:
            return self._offset


class CognitoCallMeter:
    """Counts and times the Cognito operations a botocore client makes, via its event hooks."""

    def __init__(self, client: Any) -> None:
        self.counts: Counter[str] = Counter()
        self.total_s = 0.0
        # Cognito time per thread: a request only waits for calls made on its own thread.
        self.by_thread: Counter[int] = Counter()
        self._started: dict[tuple[int, str], float] = {}
        self._lock = threading.Lock()
        events = client.meta.events
        events.register("before-call.cognito-identity.*", self._before)
        events.register("after-call.cognito-identity.*", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        with self._lock:
            self._started[(threading.get_ident(), model.name)] = time.perf_counter()

    def _after(self, model: Any, **_: Any) -> None:
        thread = threading.get_ident()
        with self._lock:
            elapsed = time.perf_counter() - self._started.pop((thread, model.name))
            self.total_s += elapsed
            self.by_thread[thread] += elapsed
            self.counts[model.name] += 1

    def on_this_thread(self) -> float:
        with self._lock:
            return self.by_thread[threading.get_ident()]


@dataclass(frozen=True)
class RoundTripResult:
    calls: int
    simulated_hours: float
    credential_ttl_s: int
    refresh_margin_s: float
    get_id: int
    get_credentials: int
    start_up_cognito_ms: (
        float  # Cognito time before the first request (credentials fetched up front)
    )
    first_request_wait_ms: float
    max_wait_after_first_ms: float  # the figure the issue asks for
    requests_that_waited: int  # after the first
    wrong_answers: int  # any call that did not get 200 with this install's identity id


def measure(
    *, calls: int = 1000, hours: float = 3.0, credential_ttl: int = 3600
) -> RoundTripResult:
    clock = SimulatedClock()
    step = hours * 3600 / calls
    with serve(overrides=HIGH_THROTTLE, credential_ttl=credential_ttl, clock=clock.now) as outputs:
        cognito = botocore.session.get_session().create_client(
            "cognito-identity",
            region_name=outputs["Region"],
            endpoint_url=outputs["CognitoIdentityEndpoint"],
            config=Config(signature_version=UNSIGNED),
        )
        meter = CognitoCallMeter(cognito)
        provider = GuestCredentialProvider(
            outputs["IdentityPoolId"],
            outputs["Region"],
            clock=clock.now,
            cognito_client=cognito,
        )
        # signed_session fetches the first credentials itself, before any request.
        session = signed_session(provider, outputs["Region"], clock=SigningClock(clock.now))
        provider.start_background_refresh(poll_interval=0.002)
        start_up_s = meter.total_s
        identity_id = provider.identity_id()
        url = outputs["ApiUrl"] + "/demo"
        waits: list[float] = []
        wrong = 0
        try:
            for _ in range(calls):
                clock.advance(step)
                before = meter.on_this_thread()
                response = session.get(url, timeout=10)
                waits.append(meter.on_this_thread() - before)
                ok = (
                    response.status_code == 200 and response.json().get("identityId") == identity_id
                )
                wrong += not ok
        finally:
            provider.stop_background_refresh()
            session.close()
    after_first = waits[1:]
    return RoundTripResult(
        calls=calls,
        simulated_hours=clock.elapsed.total_seconds() / 3600,
        credential_ttl_s=credential_ttl,
        refresh_margin_s=provider.refresh_margin.total_seconds(),
        get_id=meter.counts["GetId"],
        get_credentials=meter.counts["GetCredentialsForIdentity"],
        start_up_cognito_ms=start_up_s * 1000,
        first_request_wait_ms=waits[0] * 1000,
        max_wait_after_first_ms=max(after_first, default=0.0) * 1000,
        requests_that_waited=sum(1 for w in after_first if w > 0),
        wrong_answers=wrong,
    )
