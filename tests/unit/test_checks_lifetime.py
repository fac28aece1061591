"""The credentials-lifetime expectation: "≤ 3600 s" passes 3600 s and fails 3601 s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from guestapi.checks import Aspect, Observation, SigningMode, diagnose
from guestapi.checks.evaluation import evaluate
from guestapi.checks.scenario import CredentialsExpectation, Expectation, Scenario, Signing
from guestapi.client import GuestCredentials

ISSUED = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
LIFETIME_SCENARIO = Scenario(
    name="guest-credentials-lifetime",
    title="guest keys expire within an hour",
    signing=Signing(SigningMode.GUEST),
    request=None,
    expect=Expectation(
        credentials=CredentialsExpectation(max_lifetime_seconds=3600, min_lifetime_seconds=600)
    ),
)


def _observed(lifetime: timedelta) -> Observation:
    credentials = GuestCredentials(
        identity_id="us-east-1:id",
        access_key_id="ASIAEXAMPLE",
        secret_key="secret",
        session_token="token",
        expiration=ISSUED + lifetime,
        issued_at=ISSUED,
    )
    return Observation(credentials=credentials)


@pytest.mark.parametrize(
    "lifetime",
    [timedelta(seconds=3600), timedelta(seconds=3600, milliseconds=999), timedelta(seconds=600)],
)
def test_a_lifetime_within_the_limits_passes(lifetime: timedelta) -> None:
    assert evaluate(LIFETIME_SCENARIO, _observed(lifetime), {}) == []


def test_one_second_over_the_maximum_fails() -> None:
    # 3601 s used to pass: the maximum had 5 s of tolerance the table did not show.
    obs = _observed(timedelta(seconds=3601))
    (failure,) = evaluate(LIFETIME_SCENARIO, obs, {})
    assert failure.aspect is Aspect.LIFETIME_TOO_LONG
    assert str(failure) == "credentials lifetime: expected ≤ 3600 s, got 3601 s"
    assert "live longer than expected" in diagnose(LIFETIME_SCENARIO, obs, [failure])
    assert obs.summary().startswith("credentials valid 3601 s")


def test_one_second_under_the_minimum_fails() -> None:
    obs = _observed(timedelta(seconds=599))
    (failure,) = evaluate(LIFETIME_SCENARIO, obs, {})
    assert failure.aspect is Aspect.LIFETIME_TOO_SHORT
    assert str(failure) == "credentials lifetime: expected ≥ 600 s, got 599 s"


def test_no_credentials_to_measure_fails() -> None:
    (failure,) = evaluate(LIFETIME_SCENARIO, Observation(), {})
    assert failure.aspect is Aspect.CREDENTIALS_MISSING
