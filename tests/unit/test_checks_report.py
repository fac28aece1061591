"""Diagnoses for typical failures, and the table / JSON / JUnit reporters."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from requests.structures import CaseInsensitiveDict

from guestapi.checks import Aspect, CheckResult, Failure, Observation, SigningMode, Target, diagnose
from guestapi.checks.report import render_table, to_json, write_json, write_junit
from guestapi.checks.scenario import (
    CredentialsErrorExpectation,
    Expectation,
    Matcher,
    RequestSpec,
    Scenario,
    Signing,
)
from guestapi.client import GuestCredentialsError

TARGET = Target("http://127.0.0.1:1/dev", "us-east-1:pool", "us-east-1")


def _scenario(
    mode: SigningMode = SigningMode.GUEST,
    method: str = "GET",
    path: str = "/demo",
    status: int = 403,
    **kw: Any,
) -> Scenario:
    return Scenario(
        name="s",
        title="t",
        signing=Signing(mode=mode),
        request=RequestSpec(method, path),
        expect=Expectation(status=(status,), **kw),
    )


def _obs(
    status: int, error_type: str | None = None, message: str = "", **headers: str
) -> Observation:
    h = CaseInsensitiveDict(headers)
    if error_type:
        h["x-amzn-ErrorType"] = error_type
    body = {"Message" if error_type == "AccessDeniedException" else "message": message}
    return Observation(status=status, headers=h, document=body)


STATUS_FAIL = [Failure(Aspect.STATUS, "403", "200")]


def test_unsigned_call_answered_means_auth_is_off() -> None:
    text = diagnose(_scenario(SigningMode.NONE), _obs(200), STATUS_FAIL)
    assert "auth is off" in text and "DefaultAuthorizer" in text


def test_guest_post_answered_means_policy_too_wide() -> None:
    text = diagnose(_scenario(SigningMode.GUEST, "POST"), _obs(200), STATUS_FAIL)
    assert "too wide" in text and "${Api}/*" in text


def test_bad_signature_answered_means_signatures_unchecked() -> None:
    text = diagnose(_scenario(SigningMode.GUEST_TAMPERED), _obs(200), STATUS_FAIL)
    assert "signatures are not checked" in text


def test_missing_token_on_a_signed_call_means_resource_or_method() -> None:
    failures = [Failure(Aspect.STATUS, "200", "403 MissingAuthenticationTokenException")]
    text = diagnose(
        _scenario(SigningMode.GUEST, status=200),
        _obs(403, "MissingAuthenticationTokenException", "Missing Authentication Token"),
        failures,
    )
    # An unknown stage answers Forbidden on AWS, so this one points at the route.
    assert "no such resource or method" in text and "check the path" in text


def test_invalid_signature_on_a_guest_call_means_clock_or_region() -> None:
    failures = [Failure(Aspect.STATUS, "200", "403")]
    text = diagnose(
        _scenario(status=200),
        _obs(403, "InvalidSignatureException", "The request signature..."),
        failures,
    )
    assert "clock" in text and "region" in text
    text = diagnose(
        _scenario(status=200),
        _obs(403, "InvalidSignatureException", "Signature expired: x"),
        failures,
    )
    assert "NTP" in text


def test_access_denied_by_session_policy_points_to_the_scope_down() -> None:
    message = "User: arn:aws:sts::1:assumed-role/r/CognitoIdentityCredentials is not authorized to perform: execute-api:Invoke on resource: x because no session policy allows the execute-api:Invoke action"
    text = diagnose(
        _scenario(status=200),
        _obs(403, "AccessDeniedException", message),
        [Failure(Aspect.STATUS, "200", "403")],
    )
    assert "scope-down" in text and "docs/check-suite.md" in text and "basic flow" in text
    assert "AmazonCognitoUnAuthedIdentitiesSessionPolicy" in text
    plain = diagnose(
        _scenario(status=200),
        _obs(403, "AccessDeniedException", "User: x is not authorized"),
        [Failure(Aspect.STATUS, "200", "403")],
    )
    assert "GuestRole policy" in plain


def test_missing_cors_on_a_403_points_to_default_4xx() -> None:
    failures = [Failure(Aspect.HEADER, "one of *", "absent", "Access-Control-Allow-Origin")]
    text = diagnose(
        _scenario(SigningMode.NONE), _obs(403, "MissingAuthenticationTokenException"), failures
    )
    assert "DEFAULT_4XX" in text


def test_preflight_with_auth_points_to_the_cors_setting() -> None:
    text = diagnose(
        _scenario(SigningMode.NONE, "OPTIONS", status=200),
        _obs(403, "MissingAuthenticationTokenException"),
        [Failure(Aspect.STATUS, "200", "403")],
    )
    assert "AddDefaultAuthorizerToCorsPreflight" in text


def test_classic_flow_allowed_points_to_allow_classic_flow() -> None:
    scenario = Scenario(
        name="c",
        title="t",
        signing=Signing(SigningMode.BASIC_FLOW),
        request=None,
        expect=Expectation(
            credentials_error=CredentialsErrorExpectation(
                code=Matcher("equals", "InvalidParameterException")
            )
        ),
    )
    text = diagnose(
        scenario, Observation(), [Failure(Aspect.CREDENTIALS_ISSUED, "refused", "issued")]
    )
    assert "AllowClassicFlow is true" in text


def test_guest_credentials_refused_shows_the_service_answer_and_hint() -> None:
    obs = Observation(
        credentials_error=GuestCredentialsError(
            "GetId",
            "NotAuthorizedException",
            "Unauthenticated access is not supported",
            "allow guests",
        )
    )
    text = diagnose(
        _scenario(status=200), obs, [Failure(Aspect.CREDENTIALS_REFUSED, "issued", "x")]
    )
    assert "NotAuthorizedException" in text and "allow guests" in text


def test_scenario_hint_is_appended_and_unknown_failures_are_spelled_out() -> None:
    scenario = _scenario(SigningMode.NONE, status=403)
    scenario = Scenario(**{**scenario.__dict__, "hint": "see the runbook"})
    failures = [Failure(Aspect.BODY_FIELD, '"x"', '"y"', "message")]
    text = diagnose(scenario, _obs(403, "MissingAuthenticationTokenException"), failures)
    assert text.endswith("see the runbook")
    text = diagnose(
        _scenario(SigningMode.NONE), _obs(403, "MissingAuthenticationTokenException"), failures
    )
    assert 'body message: expected "x", got "y"' in text


RESULTS = [
    CheckResult(
        "unsigned-get",
        "unsigned GET",
        "403 MissingAuthenticationTokenException",
        "403 MissingAuthenticationTokenException",
        True,
        seconds=0.01,
    ),
    CheckResult(
        "guest-post",
        'guest POST <refused> & "quoted"',
        "403",
        "200",
        False,
        diagnosis="policy too wide",
        failures=("status: expected 403, got 200",),
        seconds=0.02,
    ),
]


def test_table_plain_and_coloured() -> None:
    plain = render_table(RESULTS, colour=False, width=120)
    assert "\033[" not in plain
    lines = plain.splitlines()
    assert lines[0].split(" | ")[0].strip() == "scenario"
    assert any(line.startswith("unsigned-get") and line.endswith("PASS") for line in lines)
    assert any(line.startswith("guest-post") and line.endswith("FAIL") for line in lines)
    assert "    diagnosis: policy too wide" in lines
    assert lines[-1] == "1/2 scenarios passed"
    coloured = render_table(RESULTS, colour=True, width=120)
    assert "\033[32mPASS\033[0m" in coloured and "\033[31mFAIL\033[0m" in coloured


def test_json_report(tmp_path: Path) -> None:
    path = tmp_path / "out" / "results.json"
    write_json(RESULTS, TARGET, path)
    data = json.loads(path.read_text())
    assert data == to_json(RESULTS, TARGET)
    assert data["passed"] == 1 and data["failed"] == 1
    assert data["target"]["stage"] == "dev"
    assert data["results"][1]["diagnosis"] == "policy too wide"
    assert data["results"][1]["failures"] == ["status: expected 403, got 200"]


def test_junit_report_is_well_formed(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    write_junit(RESULTS, TARGET, path)
    assert path.read_text().startswith("<?xml version='1.0' encoding='utf-8'?>")
    root = ET.parse(path).getroot()  # parses: well-formed despite <, &, " in the title
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1" and suite.get("errors") == "0"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert cases["unsigned-get"].find("failure") is None
    failure = cases["guest-post"].find("failure")
    assert failure is not None and failure.get("message") == "policy too wide"
    assert 'guest POST <refused> & "quoted"' in (failure.text or "")
