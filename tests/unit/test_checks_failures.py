"""The typed failure model: diagnoses match on `Aspect` and `SigningMode`, not on text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from requests.structures import CaseInsensitiveDict

from guestapi.checks import Aspect, Failure, Observation, SigningMode, diagnose, failures
from guestapi.checks.scenario import Expectation, RequestSpec, Scenario, Signing

CHECKS = Path(failures.__file__).parent


def _scenario(mode: SigningMode, method: str = "GET", status: int = 403) -> Scenario:
    return Scenario(
        name="s",
        title="t",
        signing=Signing(mode=mode),
        request=RequestSpec(method, "/demo"),
        expect=Expectation(status=(status,)),
    )


def _obs(status: int, error_type: str | None = None) -> Observation:
    headers = CaseInsensitiveDict({"x-amzn-ErrorType": error_type} if error_type else {})
    return Observation(status=status, headers=headers, document={"message": "m"})


# One case per kind of rule: a status rule, a header rule per status class, a body rule.
CASES = [
    (_scenario(SigningMode.NONE), _obs(200), Failure(Aspect.STATUS, "403", "200")),
    (
        _scenario(SigningMode.NONE),
        _obs(403, "MissingAuthenticationTokenException"),
        Failure(Aspect.HEADER, "one of *", "absent", "access-control-allow-origin"),
    ),
    (
        _scenario(SigningMode.GUEST, status=200),
        _obs(200),
        Failure(Aspect.BODY_FIELD, '"$identityId"', "absent", "identityId"),
    ),
    (
        _scenario(SigningMode.GUEST, "OPTIONS", status=200),
        _obs(200),
        Failure(Aspect.HEADER, "contains all X-Amz-Date", '"x"', "Access-Control-Allow-Headers"),
    ),
]


@pytest.mark.parametrize(("scenario", "obs", "failure"), CASES)
def test_rewording_a_failure_does_not_switch_its_diagnosis_off(
    monkeypatch: pytest.MonkeyPatch, scenario: Scenario, obs: Observation, failure: Failure
) -> None:
    before = diagnose(scenario, obs, [failure])
    assert str(failure) not in before  # a rule explained it, not the catch-all
    reworded = {aspect: f"reworded {aspect.name}" for aspect in Aspect}
    monkeypatch.setattr(failures, "_LABELS", reworded)
    assert str(failure).startswith("reworded ")  # the text really changed
    assert diagnose(scenario, obs, [failure]) == before


def test_failure_text_is_the_report_text() -> None:
    header = Failure(Aspect.HEADER, "present", "absent", "Access-Control-Allow-Origin")
    assert str(header) == "header Access-Control-Allow-Origin: expected present, got absent"
    too_long = Failure(Aspect.LIFETIME_TOO_LONG, "≤ 3600 s", "3601 s")
    assert str(too_long) == "credentials lifetime: expected ≤ 3600 s, got 3601 s"
    assert header.is_header("access-control-allow-origin")
    assert not too_long.is_header("access-control-allow-origin")


@pytest.mark.parametrize(
    ("aspect", "subject"), [(Aspect.HEADER, None), (Aspect.BODY_FIELD, None), (Aspect.STATUS, "x")]
)
def test_a_failure_names_a_subject_exactly_when_its_aspect_has_one(
    aspect: Aspect, subject: str | None
) -> None:
    with pytest.raises(ValueError, match=aspect.name):
        Failure(aspect, "e", "g", subject)


def test_every_aspect_has_a_label() -> None:
    assert all(aspect.label for aspect in Aspect)


def test_signing_modes_are_the_documented_ones(repo_root: Path) -> None:
    readme = (repo_root / "events" / "README.md").read_text(encoding="utf-8")
    table = readme.split("### `signing`", 1)[1].split("###", 1)[0]
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", table, flags=re.MULTILINE))
    assert documented == {mode.value for mode in SigningMode}
    guest_keys = {m for m in SigningMode if m.uses_guest_keys}
    assert guest_keys == {SigningMode.GUEST, SigningMode.BASIC_FLOW, SigningMode.ATTESTED}
    forged = {m for m in SigningMode if m.forges_signature}
    assert forged == {
        SigningMode.GUEST_TAMPERED,
        SigningMode.UNKNOWN_KEY,
        SigningMode.WRONG_REGION,
    }


def _imports(path: Path) -> set[str]:
    """Modules of guestapi.checks that `path` imports, TYPE_CHECKING blocks included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("guestapi.checks."):
            found.add(node.module.rsplit(".", 1)[1])
    return found


def test_the_checks_modules_import_each_other_without_a_cycle() -> None:
    graph = {p.stem: _imports(p) for p in CHECKS.glob("*.py") if p.stem != "__init__"}
    assert graph["diagnoses"].isdisjoint({"runner", "report"})
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module not in done:
            for dependency in graph[module]:
                visit(dependency, (*path, module))
            done.add(module)

    for module in graph:
        visit(module, ())


@pytest.mark.parametrize(
    ("error_type", "cause"),
    [
        ("ForbiddenException", "no such stage (stage names are case-sensitive)"),
        ("MissingAuthenticationTokenException", "the stage has no such resource or method"),
    ],
)
@pytest.mark.parametrize("mode", [SigningMode.GUEST, SigningMode.GUEST_PRESIGNED])
def test_a_refused_guest_call_names_stage_and_route_causes_apart(
    mode: SigningMode, error_type: str, cause: str
) -> None:
    # AWS answers an unknown stage with 403 Forbidden and an unknown route with Missing
    # Authentication Token (docs/aws-behaviour.md#routing): the diagnoses must not swap them.
    scenario = _scenario(mode, status=200)
    text = diagnose(scenario, _obs(403, error_type), [Failure(Aspect.STATUS, "200", "403")])
    assert cause in text
