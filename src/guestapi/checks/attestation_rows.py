"""Rows no file declares: the attestation service refuses what it must, each with its code. They
need live evidence, so they are made per run with the run's attester: any attester replays a
challenge, invents one and sends an unknown debug token; the offline test attesters also forge
(their FORGERIES) and replay an assertion counter. Each row first proves its genuine request is
admitted, so a refusal cannot come from a broken setup.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol

import requests

from guestapi.checks.runner import CheckResult
from guestapi.client.attested import Attester, DebugTokenAttester
from guestapi.client.retry import send_paced

_TIMEOUT_S = 15.0


class ForgingAttester(Attester, Protocol):
    """An offline test attester: can also make evidence that must be refused (FORGERIES)."""

    FORGERIES: dict[str, str]

    def forged(self, challenge: str, how: str) -> dict[str, Any]: ...

    def new_install(self) -> ForgingAttester: ...

    def assertion_with_counter(self, challenge: str, counter: int) -> dict[str, Any]: ...


class _Api:
    def __init__(self, api_url: str) -> None:
        self.base = api_url.rstrip("/")
        self.http = requests.Session()

    def post(self, route: str, body: Mapping[str, Any]) -> tuple[int, str]:
        """(status, refusal code or "admitted")."""
        response, _ = send_paced(
            lambda: self.http.post(self.base + route, json=dict(body), timeout=_TIMEOUT_S)
        )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code == 200 and isinstance(answer, dict) and "Token" in answer:
            return 200, "admitted"
        code = answer.get("code") if isinstance(answer, dict) else None
        return response.status_code, str(code or answer.get("message", "?"))

    def challenge(self) -> str:
        response, retried = send_paced(
            lambda: self.http.post(self.base + "/attest/challenge", json={}, timeout=_TIMEOUT_S)
        )
        if response.status_code == 429:
            raise _Throttled(retried)
        response.raise_for_status()
        return str(response.json()["challenge"])


class _Throttled(Exception):
    """/attest/challenge stayed throttled through every retry."""

    def __init__(self, retried: int) -> None:
        super().__init__(retried)
        self.retried = retried


def attestation_rows(api_url: str, attester: Attester) -> list[CheckResult]:
    api = _Api(api_url)
    rows: list[Callable[[], CheckResult]] = [
        lambda: _replayed_challenge(api, attester),
        lambda: _unknown_challenge(api, attester),
        lambda: _unknown_debug_token(api),
    ]
    forging: Any = attester
    for how, expected in getattr(attester, "FORGERIES", {}).items():
        rows.append(partial(_forged, api, forging, how, expected))
    if hasattr(attester, "assertion_with_counter"):
        rows.append(lambda: _counter_not_increasing(api, forging))
    return [_timed(row) for row in rows]


def _timed(row: Callable[[], CheckResult]) -> CheckResult:
    started = time.monotonic()
    try:
        result = row()
    except _Throttled as throttled:
        return CheckResult(
            scenario="attest-probe",
            title="an attestation probe could get a challenge",
            expected="200 challenge",
            got="429 TooManyRequestsException",
            passed=False,
            diagnosis=(
                f"Throttled (429) by POST /attest/challenge, still after {throttled.retried} "
                "retries with backoff: raise AttestThrottlingRateLimit / "
                "AttestThrottlingBurstLimit, or run the suite again later."
            ),
            seconds=time.monotonic() - started,
        )
    except (requests.RequestException, KeyError, ValueError) as exc:
        return CheckResult(
            scenario="attest-probe",
            title="an attestation probe could reach the service",
            expected="an answer",
            got=f"{type(exc).__name__}",
            passed=False,
            seconds=time.monotonic() - started,
        )
    return CheckResult(**{**result.__dict__, "seconds": time.monotonic() - started})


def _row(
    name: str, title: str, expected: str, got: tuple[int, str], *, setup_ok: bool = True
) -> CheckResult:
    status, code = got
    seen = f"{status} {code}"
    passed = setup_ok and code == expected
    return CheckResult(
        scenario=name,
        title=title,
        expected=f"403 {expected}",
        got=seen if setup_ok else f"setup refused first: {seen}",
        passed=passed,
        diagnosis=None if passed else _diagnosis(expected, code, setup_ok),
    )


def _diagnosis(expected: str, code: str, setup_ok: bool) -> str:
    if not setup_ok:
        return "the genuine request this probe starts from was refused; fix that first"
    if code == "admitted":
        return f"the service admitted evidence it must refuse ({expected}): that check is off"
    return f"refused, but as {code}, not {expected} (docs/attestation.md lists the codes)"


def _replayed_challenge(api: _Api, attester: Attester) -> CheckResult:
    challenge = api.challenge()
    first = api.post("/attest", {**attester.evidence(challenge), "challenge": challenge})
    fresh = attester.new_install() if hasattr(attester, "new_install") else attester
    again = api.post("/attest", {**fresh.evidence(challenge), "challenge": challenge})
    return _row(
        "attest-challenge-replayed",
        "a challenge is accepted once: the second /attest with it is refused",
        "challenge_replayed",
        again,
        setup_ok=first[1] == "admitted",
    )


def _unknown_challenge(api: _Api, attester: Attester) -> CheckResult:
    challenge = secrets.token_urlsafe(32)
    got = api.post("/attest", {**attester.evidence(challenge), "challenge": challenge})
    return _row(
        "attest-challenge-unknown",
        "a challenge the service never issued is refused",
        "challenge_unknown",
        got,
    )


def _unknown_debug_token(api: _Api) -> CheckResult:
    challenge = api.challenge()
    body = DebugTokenAttester(secrets.token_urlsafe(32)).evidence(challenge)
    status, code = api.post("/attest", {**body, "challenge": challenge})
    # In prod, debug tokens are refused before any lookup: either refusal is right.
    if code == "debug_token_not_allowed":
        code = "debug_token_unknown"
    return _row(
        "attest-debug-token-unknown",
        "a debug token that was never registered is refused",
        "debug_token_unknown",
        (status, code),
    )


def _forged(api: _Api, attester: ForgingAttester, how: str, expected: str) -> CheckResult:
    challenge = api.challenge()
    install = attester.new_install()
    got = api.post("/attest", {**install.forged(challenge, how), "challenge": challenge})
    return _row(
        f"attest-forged-{how}",
        f"{attester.kind} evidence forged ({how.replace('-', ' ')}) is refused as {expected}",
        expected,
        got,
    )


def _counter_not_increasing(api: _Api, attester: ForgingAttester) -> CheckResult:
    install = attester.new_install()
    challenge = api.challenge()
    attested = api.post("/attest", {**install.evidence(challenge), "challenge": challenge})
    challenge = api.challenge()
    first = api.post(
        "/attest/refresh", {**install.assertion_with_counter(challenge, 5), "challenge": challenge}
    )
    challenge = api.challenge()
    again = api.post(
        "/attest/refresh", {**install.assertion_with_counter(challenge, 5), "challenge": challenge}
    )
    return _row(
        "attest-refresh-counter-replayed",
        "an assertion whose counter is not above the last one is refused",
        "counter_not_increasing",
        again,
        setup_ok=attested[1] == "admitted" and first[1] == "admitted",
    )
