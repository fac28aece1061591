"""The IAM probes in the check suite, end to end on the offline stack, from its outputs alone
(`check.py --outputs-file`): the methods come from the stack's GetResources, as on AWS.

Each template variant widens what a guest may do in one way; the probes that guard it fail with
a diagnosis naming the mistake, and the variant that adds a method and grants it passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from guestapi.cli import check
from guestapi.offline.launch import serve

pytestmark = pytest.mark.offline

GRANT = (
    'Resource: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:'
    '${Api}/${StageName}/GET/demo"'
)


def _method(verb: str) -> tuple[str, str]:
    operation = f"""          /demo:
            {verb}:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: '{{"statusCode": 200}}'
                responses:
                  default:
                    statusCode: "200"
"""
    return ("          /demo:\n", operation)


def _grant_also(verb: str) -> tuple[str, str]:
    arn = GRANT.removeprefix("Resource: ")
    return (
        GRANT,
        f"Resource:\n                  - {arn}\n                  - "
        + arn.replace("/GET/", f"/{verb}/"),
    )


def _check(template: Path, tmp_path: Path, capsys) -> tuple[int, str, dict[str, Any]]:
    with serve(template) as outputs:
        outputs_file = tmp_path / "outputs.json"
        outputs_file.write_text(json.dumps(outputs), encoding="utf-8")
        report = tmp_path / "report.json"
        junit = tmp_path / "junit.xml"
        code = check.main(
            ["--outputs-file", str(outputs_file), "--json", str(report), "--junit", str(junit)]
        )
    document = json.loads(report.read_text())
    document["junit"] = junit.read_text()
    return code, capsys.readouterr().out, document


def _failed(report: dict[str, Any]) -> dict[str, str]:
    return {r["scenario"]: r["diagnosis"] for r in report["results"] if not r["passed"]}


def test_project_template_shows_the_probes_in_table_json_and_junit(template_path, tmp_path, capsys):
    code, out, report = _check(template_path, tmp_path, capsys)
    assert code == 0, out
    names = {r["scenario"] for r in report["results"]}
    assert {"iam-allows-GET-/demo", "iam-denies-other-stage", "iam-denies-s3-get-object"} <= names
    assert "iam-denies-lambda-invoke" in out
    assert "allowed (invoke-get-demo lines" in out
    assert 'name="iam-denies-cognito-other-pool"' in report["junit"]
    assert "proven: IAM simulation allows the guest role its 1 signed method(s)" in out
    # Rows derived from the template: its one method, and a method it does not serve.
    assert {"gen-GET-/demo", "gen-missing-DELETE-/demo"} <= names
    (row,) = [r for r in report["results"] if r["scenario"] == "gen-missing-DELETE-/demo"]
    assert row["got"].startswith("403 MissingAuthenticationTokenException")


VARIANTS = [
    (
        "policy widened to */*",
        [("${Api}/${StageName}/GET/demo", "${Api}/*/*")],
        "iam-denies-other-stage",
        "the guest role allows execute-api:Invoke on",
    ),
    (
        "execute-api:* on *",
        [("Action: execute-api:Invoke", "Action: execute-api:*"), (GRANT, 'Resource: "*"')],
        "iam-denies-invalidate-cache",
        "the guest role allows execute-api:InvalidateCache on",
    ),
    (
        "NotResource",
        [(GRANT, GRANT.replace("Resource:", "NotResource:"))],
        "iam-denies-other-stage",
        "the guest role allows execute-api:Invoke on",
    ),
    (
        "a second method added but not granted",
        [_method("put")],
        "iam-allows-PUT-/demo",
        "PUT /demo is served by the API, but the guest role does not allow",
    ),
]


@pytest.mark.parametrize(
    ("edits", "probe", "diagnosis"), [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS]
)
def test_each_widening_fails_its_probe_with_a_diagnosis(
    template_variant: Callable[..., Path], tmp_path, capsys, edits, probe, diagnosis
):
    code, out, report = _check(template_variant(*edits), tmp_path, capsys)
    assert code == 1
    failed = _failed(report)
    assert probe in failed, out
    assert diagnosis in failed[probe]


@pytest.mark.parametrize("verb", ["put", "post"])
def test_a_second_method_added_and_granted_passes(
    template_variant: Callable[..., Path], tmp_path, capsys, verb
):
    code, out, report = _check(
        template_variant(_method(verb), _grant_also(verb.upper())), tmp_path, capsys
    )
    assert code == 0, out
    names = {r["scenario"] for r in report["results"]}
    assert {f"iam-allows-{verb.upper()}-/demo", f"gen-{verb.upper()}-/demo"} <= names
    if verb == "post":
        # The shipped guest-post scenario states the default template (no POST /demo); this
        # API grants it, so its generated row checks it instead, and the run says so.
        assert "guest-post" not in names
        assert (
            "guest-post: not run: POST /demo is a method of this API that the guest role "
            "is granted; gen-POST-/demo checks it" in out
        )


def test_a_second_method_added_but_not_granted_still_runs_guest_post(
    template_variant: Callable[..., Path], tmp_path, capsys
):
    code, _out, report = _check(template_variant(_method("post")), tmp_path, capsys)
    assert code == 1
    passed = {r["scenario"]: r["passed"] for r in report["results"]}
    assert passed["guest-post"] and passed["gen-POST-/demo"]  # refused with AccessDenied
    assert not passed["iam-allows-POST-/demo"]


PUBLIC_ROUTE = """          /status:
            get:
              x-guestapi-public: true
              security:
                - NONE: []
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: '{"statusCode": 200}'
                responses:
                  default:
                    statusCode: "200"
"""


def test_a_route_public_on_purpose_deploys_and_its_unsigned_row_passes(
    template_variant: Callable[..., Path], tmp_path, capsys
):
    # SAM writes `security: [{NONE: []}]` for `Auth: Authorizer: NONE`; the offline stack must
    # deploy it as an open method, and the generated row calls it unsigned.
    variant = template_variant(("          /demo:\n", PUBLIC_ROUTE + "          /demo:\n"))
    code, out, report = _check(variant, tmp_path, capsys)
    assert code == 0, out
    (row,) = [r for r in report["results"] if r["scenario"] == "gen-public-GET-/status"]
    assert row["passed"] and row["got"].startswith("200")
