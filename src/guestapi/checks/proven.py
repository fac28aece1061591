"""What a run proved, in a few sentences ("unsigned, tampered, ... calls are refused; the guest
reaches GET /demo, and its POST /demo is refused"), each derived from a passed scenario's
signing mode and expectations: a failed (or skipped) scenario can never be claimed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from guestapi.checks.runner import CheckResult
from guestapi.checks.scenario import Scenario, SigningMode

#: The refusal a forged or off-key signature proves, by signing mode.
_FORGED_LABELS = {
    SigningMode.NONE: "unsigned",
    SigningMode.GUEST_TAMPERED: "tampered",
    SigningMode.UNKNOWN_KEY: "unknown-key",
    SigningMode.WRONG_REGION: "wrong-region",
}


def _is_refusal(scenario: Scenario) -> bool:
    statuses = scenario.expect.status
    return bool(statuses) and all(400 <= s < 500 for s in statuses)


def _is_success(scenario: Scenario) -> bool:
    statuses = scenario.expect.status
    return bool(statuses) and all(200 <= s < 300 for s in statuses)


def _method(scenario: Scenario) -> str:
    return scenario.request.method if scenario.request else ""


def _call(scenario: Scenario) -> str:
    request = scenario.request
    if request is None:
        return "(no request)"
    call = f"{request.method} {request.path}"
    return f"{call} on another stage" if request.stage else call


def _signature_label(scenario: Scenario) -> str | None:
    """The kind of bad call a refused request stands for, or None if it is a guest's own."""
    signing = scenario.signing
    if signing.clock_offset_seconds < 0:
        return "expired"
    if signing.clock_offset_seconds > 0:
        return "future-dated"
    return _FORGED_LABELS.get(signing.mode)


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _request_claims(passed: Sequence[Scenario]) -> list[str]:
    calls = [s for s in passed if s.request is not None]
    forged = _unique(
        label
        for s in calls
        if _is_refusal(s) and (label := _signature_label(s)) and _method(s) != "OPTIONS"
    )
    preflight = [s for s in calls if s.signing.mode is SigningMode.NONE and _method(s) == "OPTIONS"]
    claims = []
    if forged:
        claims.append(f"{_join(forged)} calls are refused")
    for who, modes in (
        ("the guest", (SigningMode.GUEST, SigningMode.BASIC_FLOW)),
        ("the attested install", (SigningMode.ATTESTED,)),
    ):
        signed = [
            s for s in calls if s.signing.mode in modes and not s.signing.clock_offset_seconds
        ]
        claims += _reach_claims(who, signed)
    if any(_is_success(s) for s in preflight):
        claims.append("a browser's CORS preflight is answered without a signature")
    presigned = [s for s in calls if s.signing.mode is SigningMode.GUEST_PRESIGNED]
    reached_presigned = _unique(
        _call(s) for s in presigned if _is_success(s) and not s.signing.clock_offset_seconds
    )
    if reached_presigned:
        claims.append(f"a URL presigned with guest keys reaches {_join(reached_presigned)}")
    if any(s.expect.function is not None for s in passed):
        claims.append("a function route sees the caller's verified guest identity")
    return claims


def _credential_claims(passed: Sequence[Scenario]) -> list[str]:
    claims = []
    for s in passed:
        if s.request is not None:
            continue
        if s.expect.credentials_error is not None and s.signing.mode is SigningMode.BASIC_FLOW:
            claims.append("the basic (classic) Cognito flow is refused")
        lifetime = s.expect.credentials
        if lifetime is not None and lifetime.max_lifetime_seconds is not None:
            claims.append(f"guest keys expire within {lifetime.max_lifetime_seconds} s")
    return _unique(claims)


def _window_probe(scenario: Scenario) -> int | None:
    """The URL's age if `scenario` asks whether a presigned URL outlives the 5-minute window."""
    signing = scenario.signing
    age = -signing.clock_offset_seconds
    if signing.mode is SigningMode.GUEST_PRESIGNED and age > 300 and signing.expires_seconds:
        return age if signing.expires_seconds > age else None
    return None


def presigned_window_lines(
    scenarios: Sequence[Scenario], results: Sequence[CheckResult]
) -> list[str]:
    """What the target did with a presigned URL older than 5 minutes but within X-Amz-Expires.

    AWS documents no answer for execute-api (docs/aws-behaviour.md#presigned-urls), so the
    scenario accepts either and this line records which one this stack gave.
    """
    by_name = {r.scenario: r for r in results}
    lines = []
    for s in scenarios:
        age = _window_probe(s)
        result = by_name.get(s.name)
        if age is None or result is None or not result.passed:
            continue
        url = f"a presigned URL {age} s old with X-Amz-Expires={s.signing.expires_seconds}"
        if result.got.startswith("2"):
            lines.append(f"seen: {url} was accepted: this API honours X-Amz-Expires")
        elif "Signature expired" in result.got:
            lines.append(f"seen: {url} was refused: this API keeps the fixed 5-minute window")
        else:
            lines.append(f"seen: {url} was refused for another reason ({result.got[:60]})")
    return lines


def proven_lines(scenarios: Sequence[Scenario], results: Sequence[CheckResult]) -> list[str]:
    """A few sentences of what the passed scenarios prove, then what failed and so is not."""
    verdicts = {r.scenario: r.passed for r in results}
    passed = [s for s in scenarios if verdicts.get(s.name)]
    claims = _request_claims(passed) + _credential_claims(passed)
    lines = [f"proven: {claim}" for claim in claims]
    lines += presigned_window_lines(scenarios, results)
    failed = [r.scenario for r in results if not r.passed]
    if failed:
        lines.append(f"NOT proven ({len(failed)} failed): {', '.join(failed)}")
    return lines


def _reach_claims(who: str, signed: list[Scenario]) -> list[str]:
    reached = _unique(_call(s) for s in signed if _is_success(s))
    refused = _unique(_call(s) for s in signed if _is_refusal(s))
    verb = "is" if len(refused) == 1 else "are"
    if reached:
        claim = f"{who} reaches {_join(reached)}"
        return [claim + (f", and its {_join(refused)} {verb} refused" if refused else "")]
    return [f"{who}'s {_join(refused)} {verb} refused"] if refused else []
