"""The `function` expectation: the answer came from the route's function, as this guest.

Each check is shown failing on the answer a broken route gives (a MOCK, another caller, an
answer not made for this request) and passing on the function's own answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict

from guestapi.checks import (
    Aspect,
    Observation,
    ScenarioError,
    diagnose,
    load_scenario,
    load_scenario_dirs,
)
from guestapi.checks.evaluation import evaluate

ME = "us-east-1:11111111-2222-3333-4444-555555555555"
REQUEST_ID = "9c1e0c2a-1d45-4b8e-9f3a-0a0b0c0d0e0f"
SCENARIO: dict[str, Any] = {
    "title": "a guest reaches the function",
    "request": {"method": "GET", "path": "/whoami"},
    "expect": {"status": 200, "function": {"identity": "$identityId"}},
}


def _scenario(tmp_path: Path, data: dict[str, Any] = SCENARIO, name: str = "whoami.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return load_scenario(path)


def _answer(document: Any, request_id: str = REQUEST_ID) -> Observation:
    return Observation(
        status=200, headers=CaseInsensitiveDict({"x-amzn-RequestId": request_id}), document=document
    )


def test_the_functions_own_answer_passes(tmp_path: Path) -> None:
    obs = _answer({"identityId": ME, "requestId": REQUEST_ID})
    assert evaluate(_scenario(tmp_path), obs, {"identityId": ME}) == []


@pytest.mark.parametrize(
    ("document", "aspects"),
    [
        # Another caller's identity (or none): the function did not see this guest.
        (
            {"identityId": "us-east-1:someone-else", "requestId": REQUEST_ID},
            {Aspect.FUNCTION_CALLER},
        ),
        ({"identityId": "", "requestId": REQUEST_ID}, {Aspect.FUNCTION_CALLER}),
        # A MOCK can name the caller but not echo the event's request id as the function does.
        ({"identityId": ME}, {Aspect.FUNCTION_REQUEST}),
        # An answer made for another request (a cache, a replay).
        ({"identityId": ME, "requestId": "another-request"}, {Aspect.FUNCTION_REQUEST}),
        ("not json", {Aspect.FUNCTION_CALLER, Aspect.FUNCTION_REQUEST}),
    ],
)
def test_what_a_broken_route_answers_fails(
    tmp_path: Path, document: Any, aspects: set[Aspect]
) -> None:
    scenario = _scenario(tmp_path)
    failures = evaluate(scenario, _answer(document), {"identityId": ME})
    assert {f.aspect for f in failures} == aspects
    note = diagnose(scenario, _answer(document), failures)
    assert ("did not see this guest" in note) is (Aspect.FUNCTION_CALLER in aspects)
    assert ("did not come from the function" in note) is (Aspect.FUNCTION_REQUEST in aspects)


def test_field_names_are_configurable(tmp_path: Path) -> None:
    data = {
        **SCENARIO,
        "expect": {
            "status": 200,
            "function": {
                "identity": "$identityId",
                "identity_field": "caller.id",
                "request_id_field": "rid",
            },
        },
    }
    obs = _answer({"caller": {"id": ME}, "rid": REQUEST_ID})
    assert evaluate(_scenario(tmp_path, data), obs, {"identityId": ME}) == []


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ({}, "needs identity"),
        ({"identity": "$identityId", "other": 1}, r"unknown key\(s\) other"),
        ({"identity": "$identityId", "identity_field": 3}, "must be a non-empty string"),
    ],
)
def test_a_bad_function_expectation_is_refused(tmp_path: Path, function: Any, message: str) -> None:
    data = {**SCENARIO, "expect": {"status": 200, "function": function}}
    with pytest.raises(ScenarioError, match=message):
        _scenario(tmp_path, data)


def test_a_function_expectation_needs_a_status(tmp_path: Path) -> None:
    data = {**SCENARIO, "expect": {"function": {"identity": "$identityId"}}}
    with pytest.raises(ScenarioError, match=r"needs expect\.status"):
        _scenario(tmp_path, data)


def test_several_scenario_directories_and_their_name_clash(tmp_path: Path, repo_root: Path) -> None:
    shipped = repo_root / "events"
    mine = tmp_path / "mine"
    mine.mkdir()
    _scenario(mine)
    both = load_scenario_dirs([shipped, mine])
    assert [s.name for s in both][-1] == "whoami"
    assert len(both) == len(list(shipped.glob("*.json"))) + 1
    (mine / "guest-get.json").write_text((shipped / "guest-get.json").read_text())
    with pytest.raises(ScenarioError, match="'guest-get' is in both"):
        load_scenario_dirs([shipped, mine])
