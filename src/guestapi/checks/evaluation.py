"""Comparing an `Observation` with a scenario's expectation: the list of `Failure`s."""

from __future__ import annotations

import json
from collections.abc import Mapping

from guestapi.aws_constants import ERROR_TYPE_HEADER, REQUEST_ID_HEADER
from guestapi.checks.failures import Aspect, Failure
from guestapi.checks.matching import json_field, matches, resolved
from guestapi.checks.observation import Observation, lifetime_seconds, one_line
from guestapi.checks.scenario import (
    CredentialsErrorExpectation,
    CredentialsExpectation,
    FunctionExpectation,
    Matcher,
    Scenario,
)


def evaluate(scenario: Scenario, obs: Observation, variables: Mapping[str, str]) -> list[Failure]:
    """Every unmet expectation of `scenario` in `obs`; empty when the scenario passed."""
    expect = scenario.expect
    if expect.credentials_error is not None:
        return _refusal(expect.credentials_error, obs, variables)
    if obs.credentials_error is not None:
        e = obs.credentials_error
        got = f"{e.operation} {e.code}: {e.service_message}"
        return [Failure(Aspect.CREDENTIALS_REFUSED, "issued", got)]
    failures: list[Failure] = []
    if expect.credentials is not None:
        failures += _lifetime(expect.credentials, obs)
    if expect.status:
        if obs.status not in expect.status:
            expected = "/".join(map(str, expect.status))
            failures.append(Failure(Aspect.STATUS, expected, _status_text(obs)))
        for name, matcher in expect.headers.items():
            actual = obs.headers.get(name)
            failures += _check(Aspect.HEADER, resolved(matcher, variables), actual, name)
        for path, matcher in expect.body.items():
            actual = json_field(obs.document, path) if obs.document is not None else None
            failures += _check(Aspect.BODY_FIELD, resolved(matcher, variables), actual, path)
        if expect.function is not None:
            failures += _function(expect.function, obs, variables)
    return failures


def _function(
    expect: FunctionExpectation, obs: Observation, variables: Mapping[str, str]
) -> list[Failure]:
    def field(path: str) -> str | None:
        return json_field(obs.document, path) if obs.document is not None else None

    failures = _check(
        Aspect.FUNCTION_CALLER, resolved(expect.identity, variables), field(expect.identity_field)
    )
    request_id = obs.headers.get(REQUEST_ID_HEADER)
    seen = field(expect.request_id_field)
    if request_id is None or seen != request_id:
        got = "absent" if seen is None else json.dumps(one_line(seen, 100))
        failures.append(Failure(Aspect.FUNCTION_REQUEST, f"this request's {request_id}", got))
    return failures


def _lifetime(expect: CredentialsExpectation, obs: Observation) -> list[Failure]:
    if obs.credentials is None:
        return [Failure(Aspect.CREDENTIALS_MISSING, "issued", "none")]
    # No tolerance: "≤ 3600 s" passes 3600 s and fails 3601 s. Expiration and the Date header
    # are both whole seconds, and Date is when the answer was generated (RFC 9110 §6.6.1),
    # after the keys were issued: Expiration - Date does not exceed the granted lifetime.
    seconds = lifetime_seconds(obs.credentials)
    failures = []
    longest, shortest = expect.max_lifetime_seconds, expect.min_lifetime_seconds
    if longest is not None and seconds > longest:
        failures.append(Failure(Aspect.LIFETIME_TOO_LONG, f"≤ {longest} s", f"{seconds} s"))
    if shortest is not None and seconds < shortest:
        failures.append(Failure(Aspect.LIFETIME_TOO_SHORT, f"≥ {shortest} s", f"{seconds} s"))
    return failures


def _refusal(
    expect: CredentialsErrorExpectation, obs: Observation, variables: Mapping[str, str]
) -> list[Failure]:
    error = obs.credentials_error
    if error is None:
        return [Failure(Aspect.CREDENTIALS_ISSUED, "refused", "issued")]
    failures: list[Failure] = []
    if expect.code is not None:
        failures += _check(Aspect.ERROR_CODE, resolved(expect.code, variables), error.code)
    if expect.message is not None:
        message = resolved(expect.message, variables)
        failures += _check(Aspect.ERROR_MESSAGE, message, error.service_message)
    return failures


def _check(
    aspect: Aspect, matcher: Matcher, actual: str | None, subject: str | None = None
) -> list[Failure]:
    if matches(matcher, actual):
        return []
    got = "absent" if actual is None else json.dumps(one_line(actual, 100))
    return [Failure(aspect, matcher.describe(), got, subject)]


def _status_text(obs: Observation) -> str:
    return " ".join(str(p) for p in (obs.status, obs.error_type) if p)


def expected_summary(scenario: Scenario) -> str:
    """The table's "expected" cell: status and error type, lifetime limits, or a refusal."""
    e = scenario.expect
    parts: list[str] = []
    if e.status:
        # A wide range (a generated row's "any answer of the integration") reads as a range.
        many = len(e.status) > 5 and list(e.status) == list(range(e.status[0], e.status[-1] + 1))
        parts.append(f"{e.status[0]}-{e.status[-1]}" if many else "/".join(map(str, e.status)))
        error_type = e.headers.get(ERROR_TYPE_HEADER)
        if error_type is not None and error_type.kind in ("equals", "one_of"):
            value = error_type.value
            parts.append(value if isinstance(value, str) else " or ".join(value))
    if e.credentials is not None:
        limits = []
        if e.credentials.min_lifetime_seconds is not None:
            limits.append(f"≥ {e.credentials.min_lifetime_seconds} s")
        if e.credentials.max_lifetime_seconds is not None:
            limits.append(f"≤ {e.credentials.max_lifetime_seconds} s")
        parts.append(f"credentials valid {' and '.join(limits)}")
    if e.credentials_error is not None:
        code = e.credentials_error.code
        parts.append(f"refused ({code.describe()})" if code else "refused")
    if e.function is not None:
        parts.append("from the function")
    return " ".join(parts)
