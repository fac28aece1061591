"""Scenario loading (strict schema) and matcher semantics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from guestapi.checks import ScenarioError, load_scenario, load_scenarios
from guestapi.checks.matching import json_field, matches, resolved, substitute
from guestapi.checks.scenario import Matcher

VALID: dict[str, Any] = {
    "title": "unsigned GET is refused",
    "signing": "none",
    "request": {"method": "GET", "path": "/demo", "headers": {"Origin": "$origin"}},
    "expect": {
        "status": 403,
        "headers": {"x-amzn-ErrorType": "MissingAuthenticationTokenException"},
        "body": {"message": {"startswith": "Missing"}},
    },
}


def _write(tmp_path: Path, data: Any, name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_the_shipped_events_load_and_cover_the_issue_list(repo_root: Path) -> None:
    scenarios = load_scenarios(repo_root / "events")
    names = {s.name for s in scenarios}
    assert len(scenarios) >= 13
    modes = {s.signing.mode for s in scenarios}
    assert modes == {
        "none", "guest", "guest-tampered", "unknown-key", "wrong-region", "basic-flow",
        "guest-presigned",
    }  # fmt: skip
    assert {"unsigned-get", "guest-get", "cors-preflight", "classic-flow-refused"} <= names
    # every 403 reached through the API (not the unknown-stage one) expects CORS headers
    for s in scenarios:
        if s.expect.status == (403,) and s.request and not s.request.stage:
            assert "Access-Control-Allow-Origin" in s.expect.headers, s.name


def test_valid_scenario_loads(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, VALID))
    assert scenario.name == "case"
    assert scenario.signing.mode == "none"
    assert scenario.request is not None and scenario.request.headers == {"Origin": "$origin"}
    assert scenario.expect.status == (403,)
    assert scenario.expect.body["message"] == Matcher("startswith", "Missing")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(surprise=1), "unknown key(s) surprise"),
        (lambda d: d.pop("title"), "missing required key 'title'"),
        (lambda d: d.update(signing="sigv2"), "signing.mode: must be one of"),
        (lambda d: d["request"].update(method="FETCH"), "request.method"),
        (lambda d: d["request"].update(path="demo"), "must start with '/'"),
        (lambda d: d["expect"].update(status="403"), "expect.status: must be an integer"),
        (lambda d: d["expect"].update(status=999), "must be an HTTP status"),
        (lambda d: d["expect"]["body"].update(message={"like": "x"}), "unknown matcher 'like'"),
        (lambda d: d["expect"]["body"].update(message={"matches": "("}), "bad regular expression"),
        (lambda d: d["expect"]["headers"].update(X={"one_of": []}), "non-empty list"),
        (lambda d: d["request"]["headers"].update(Origin="$nope"), "unknown variable $nope"),
        (lambda d: d["expect"].pop("status"), "must expect a status"),
        (lambda d: d.update(request=None), "need a request"),
        (lambda d: d.update(signing={"mode": "none", "clock_offset_seconds": 5}), "do not apply"),
        (
            lambda d: d.update(signing={"mode": "guest", "expires_seconds": 60}),
            "expires_seconds applies to guest-presigned, not guest",
        ),
        (
            lambda d: d.update(signing={"mode": "guest-presigned", "expires_seconds": 604_801}),
            "signing.expires_seconds: must be 1..604800",
        ),
        (
            lambda d: d.update(signing={"mode": "guest-presigned", "expires_seconds": "900"}),
            "signing.expires_seconds: must be an integer",
        ),
    ],
)
def test_bad_scenarios_are_refused_with_the_file_and_field(
    tmp_path: Path, mutate: Any, message: str
) -> None:
    data = json.loads(json.dumps(VALID))
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_a_scenario_that_expects_nothing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="expects nothing"):
        load_scenario(_write(tmp_path, {"title": "t", "request": None, "expect": {}}))


def test_not_json_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"not valid JSON \(line 2"):
        load_scenario(_write(tmp_path, '{\n  "title": }'))


def test_missing_or_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not found"):
        load_scenarios(tmp_path / "nope")
    with pytest.raises(ScenarioError, match=r"no \*\.json"):
        load_scenarios(tmp_path)


@pytest.mark.parametrize(
    ("matcher", "actual", "expected"),
    [
        (Matcher("equals", "a"), "a", True),
        (Matcher("equals", "a"), "A", False),
        (Matcher("equals", "a"), None, False),
        (Matcher("startswith", "Sig"), "Signature expired", True),
        (Matcher("startswith", "Sig"), "x Sig", False),
        (Matcher("contains", "classic"), "Basic (classic) flow", True),
        (Matcher("one_of", ["*", "https://a"]), "https://a", True),
        (Matcher("one_of", ["*", "https://a"]), "https://b", False),
        (
            Matcher("contains_all", ["X-Amz-Date", "Authorization"]),
            "content-type,x-amz-date, authorization",
            True,
        ),
        (Matcher("contains_all", ["X-Amz-Date", "Authorization"]), "x-amz-date", False),
        (Matcher("present", True), "", True),
        (Matcher("present", True), None, False),
        (Matcher("present", False), None, True),
        (Matcher("matches", r"^\d+$"), "123", True),
        (Matcher("matches", r"^\d+$"), "12a", False),
    ],
)
def test_matchers(matcher: Matcher, actual: str | None, expected: bool) -> None:
    assert matches(matcher, actual) is expected


def test_variables_and_json_fields() -> None:
    variables = {"identityId": "us-east-1:abc", "stage": "dev"}
    assert substitute("$stage-no-such-stage", variables) == "dev-no-such-stage"
    assert resolved(Matcher("one_of", ["*", "$identityId"]), variables).value == [
        "*",
        "us-east-1:abc",
    ]
    doc = {"a": {"b": "x", "n": 3}, "z": None}
    assert json_field(doc, "a.b") == "x"
    assert json_field(doc, "a.n") == "3"
    assert json_field(doc, "a.missing") is None
    assert json_field(doc, "z") is None
