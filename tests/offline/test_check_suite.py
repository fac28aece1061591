"""The check suite end to end on the offline stack.

It passes on the project's template, and it catches a broken stack: each template variant below
removes one protection, and exactly the scenarios guarding that protection fail, with exit code 1
and the matching diagnosis printed. Each variant test is the mutation test of those scenarios.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from guestapi.cli import check
from guestapi.offline.launch import serve

pytestmark = pytest.mark.offline

ALL_SCENARIOS = {
    "classic-flow-refused",
    "cors-preflight",
    "guest-credentials-lifetime",
    "guest-get",
    "guest-other-path",
    "guest-other-stage",
    "guest-post",
    "presigned-get",
    "presigned-past-five-minutes",
    "signature-expired",
    "signature-not-yet-current",
    "tampered-signature",
    "unknown-access-key",
    "unsigned-get",
    "wrong-region",
}
# A POST method on /demo, so that a widened guest policy has something more to reach.
POST_METHOD = """          /demo:
            post:
              responses:
                "200":
                  description: posted
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: '{"statusCode": 200}'
                responses:
                  default:
                    statusCode: "200"
                    responseTemplates:
                      application/json: '{"posted": true}'
"""
ADD_POST = ("          /demo:\n", POST_METHOD)
NARROW_RESOURCE = "${Api}/${StageName}/GET/demo"
DEFAULT_4XX_BLOCK = re.compile(
    r"^        DEFAULT_4XX:\n.*?(?=^        DEFAULT_5XX:)", flags=re.MULTILINE | re.DOTALL
)


def run_check(
    outputs: Mapping[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, dict[str, Any]]:
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(dict(outputs)), encoding="utf-8")
    report = tmp_path / "report.json"
    report.unlink(missing_ok=True)
    code = check.main(["--outputs-file", str(outputs_file), "--json", str(report), *extra])
    out = capsys.readouterr().out
    return code, out, json.loads(report.read_text()) if report.exists() else {}


def failed(report: dict[str, Any]) -> set[str]:
    return {r["scenario"] for r in report["results"] if not r["passed"]}


def diagnoses(report: dict[str, Any]) -> dict[str, str]:
    return {r["scenario"]: r["diagnosis"] for r in report["results"] if not r["passed"]}


def test_every_scenario_passes_on_the_project_template(
    offline_outputs: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "junit.xml"
    code, out, report = run_check(offline_outputs, tmp_path, capsys, "--junit", str(junit))
    assert failed(report) == set(), out
    assert code == 0
    names = {r["scenario"] for r in report["results"]}
    # The shipped scenarios, then what the outputs alone add: the rows generated from the API's
    # methods (GetResources) and the IAM probes.
    assert {n for n in names if not n.startswith(("gen-", "iam-"))} == ALL_SCENARIOS
    assert {"gen-GET-/demo", "iam-allows-GET-/demo", "iam-denies-other-stage"} <= names
    assert f"{len(names)}/{len(names)} scenarios passed" in out
    assert 'failures="0"' in junit.read_text()


def test_auth_removed_from_get_is_caught(
    template_variant: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = template_variant(("        DefaultAuthorizer: AWS_IAM\n", ""))
    with serve(template) as outputs:
        code, out, report = run_check(outputs, tmp_path, capsys)
    assert code == 1
    assert failed(report) == {
        "unsigned-get",
        "tampered-signature",
        "unknown-access-key",
        "wrong-region",
        "signature-expired",
        "signature-not-yet-current",
        "guest-get",  # no authorizer: API Gateway knows no caller identity to echo
    }
    found = diagnoses(report)
    assert "AWS_IAM auth is off" in found["unsigned-get"]
    assert "signatures are not checked" in found["tampered-signature"]
    assert "has no AWS_IAM auth" in found["guest-get"]
    assert "diagnosis: The API answered an unsigned request" in out


def test_a_post_method_alone_is_still_refused_to_guests(
    template_variant: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Control for the widened-policy variant: with the POST method but the narrow policy the
    # guest is denied (AccessDenied), so guest-post fails below because of the policy alone.
    # The only failure here is the probe saying the method is served but granted to nobody.
    with serve(template_variant(ADD_POST)) as outputs:
        code, out, report = run_check(outputs, tmp_path, capsys)
    assert failed(report) == {"iam-allows-POST-/demo"}, out
    assert code == 1
    (post,) = [r for r in report["results"] if r["scenario"] == "guest-post"]
    assert post["passed"] and post["got"].startswith("403 AccessDeniedException")


def test_policy_widened_to_the_whole_api_is_caught(
    template_variant: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = template_variant(ADD_POST, (NARROW_RESOURCE, "${Api}/*"))
    with serve(template) as outputs:
        code, out, report = run_check(outputs, tmp_path, capsys)
    assert code == 1
    # The probes see the policy reach past the API's methods. POST /demo is now a method the
    # guest role is granted (by the wildcard), so its generated row replaces guest-post and
    # the run says so; what the wildcard grants beyond the API's methods still fails.
    assert failed(report) == {
        "iam-denies-other-method",
        "iam-denies-other-path",
        "iam-denies-other-stage",
    }
    assert "guest-post: not run: POST /demo is a method of this API" in out
    assert (
        "the guest role allows execute-api:Invoke on" in diagnoses(report)["iam-denies-other-path"]
    )


def test_cors_dropped_from_default_4xx_is_caught(
    template_path: Path,
    template_variant: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    block = DEFAULT_4XX_BLOCK.search(template_path.read_text(encoding="utf-8"))
    assert block is not None, "template.yaml no longer has a DEFAULT_4XX gateway response"
    with serve(template_variant((block.group(0), ""))) as outputs:
        code, out, report = run_check(outputs, tmp_path, capsys)
    assert code == 1
    assert failed(report) == {
        "unsigned-get",
        "tampered-signature",
        "unknown-access-key",
        "wrong-region",
        "signature-expired",
        "signature-not-yet-current",
        "guest-post",
        "guest-other-path",
        "presigned-past-five-minutes",  # refused offline (fixed 5-minute window), without CORS
    }
    assert all("DEFAULT_4XX" in d for d in diagnoses(report).values())
    assert "diagnosis: A 4xx answer lacks Access-Control-Allow-Origin" in out


def test_authorized_preflight_is_caught(
    template_variant: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = template_variant(
        ("AddDefaultAuthorizerToCorsPreflight: false", "AddDefaultAuthorizerToCorsPreflight: true")
    )
    with serve(template) as outputs:
        code, _, report = run_check(outputs, tmp_path, capsys)
    assert code == 1
    assert failed(report) == {"cors-preflight"}
    assert "AddDefaultAuthorizerToCorsPreflight: false" in diagnoses(report)["cors-preflight"]


def test_classic_flow_allowed_is_caught(
    template_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(template_path, overrides={"AllowClassicFlow": "true"}) as outputs:
        code, _, report = run_check(outputs, tmp_path, capsys)
    assert code == 1
    assert failed(report) == {"classic-flow-refused"}
    assert "AllowClassicFlow is true" in diagnoses(report)["classic-flow-refused"]


def test_credentials_living_too_long_are_caught(
    template_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(template_path, credential_ttl=7200) as outputs:
        code, _, report = run_check(outputs, tmp_path, capsys)
    assert code == 1
    assert failed(report) == {"guest-credentials-lifetime"}


def test_credentials_one_second_too_long_are_caught(
    template_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The maximum is exact: 3601 s used to pass a "≤ 3600 s" expectation.
    with serve(template_path, credential_ttl=3601) as outputs:
        code, _, report = run_check(outputs, tmp_path, capsys)
    assert code == 1
    assert failed(report) == {"guest-credentials-lifetime"}
    assert "live longer than expected" in diagnoses(report)["guest-credentials-lifetime"]


def test_a_specific_allowed_origin_is_checked_with_that_origin(
    template_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = "https://app.guest.test"
    with serve(template_path, overrides={"AllowedOrigin": origin}) as outputs:
        code, out, _ = run_check(outputs, tmp_path, capsys, "--origin", origin)
        assert code == 0, out
        # a page on another origin would be refused by the browser: the CORS checks fail
        code, _, report = run_check(outputs, tmp_path, capsys, "--origin", "https://evil.test")
    assert code == 1
    assert {"cors-preflight", "guest-get"} <= failed(report)


def test_stack_name_target_needs_no_code_change(
    offline_outputs: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A real stack's shape: outputs come from DescribeStacks (through a Stubber) and carry no
    CognitoIdentityEndpoint; the only offline-specific input is --cognito-endpoint."""
    real_shape = {k: v for k, v in offline_outputs.items() if k != "CognitoIdentityEndpoint"}
    client = botocore.session.get_session().create_client(
        "cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    with Stubber(client) as stub:
        stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": "guest-api-dev",
                        "CreationTime": "2026-01-01T00:00:00Z",
                        "StackStatus": "UPDATE_COMPLETE",
                        "Outputs": [
                            {"OutputKey": k, "OutputValue": v} for k, v in real_shape.items()
                        ],
                    }
                ]
            },
            {"StackName": "guest-api-dev"},
        )
        code = check.main(
            [
                "--stack-name",
                "guest-api-dev",
                "--region",
                "us-east-1",
                "--cognito-endpoint",
                offline_outputs["CognitoIdentityEndpoint"],
            ],
            cloudformation_client=client,
        )
        stub.assert_no_pending_responses()
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"checking {offline_outputs['ApiUrl']}" in out


def _column(out: str, scenario: str, index: int) -> str:
    """The text of one column of a scenario's row, across its wrapped continuation lines."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(scenario + " "))
    cells = [lines[start].split(" | ")[index]]
    for line in lines[start + 1 :]:
        if not line.startswith(" ") or " | " not in line:
            break
        cells.append(line.split(" | ")[index])
    return " ".join(c.strip().removesuffix("|") for c in cells)


def test_long_values_are_whole_in_the_table_and_the_json_with_no_secret_in_them(
    offline_outputs: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The mismatch message quotes the canonical request AWS expected: long, and with the
    # session token the request was signed with in it.
    code, out, report = run_check(offline_outputs, tmp_path, capsys)
    assert code == 0, out
    (row,) = [r for r in report["results"] if r["scenario"] == "tampered-signature"]
    got = row["got"]
    assert "…" not in got and got.endswith("'")
    assert "The String-to-Sign should have been 'AWS4-HMAC-SHA256 " in got
    assert "x-amz-security-token:<redacted>" in got
    assert re.sub(r"\s", "", _column(out, "tampered-signature", 2)) == re.sub(r"\s", "", got)
    # The redaction is what keeps the token out: without it the token is in the report.
    monkeypatch.setattr("guestapi.checks.observation.redacted", lambda text, secrets: text)
    _, _, leaked = run_check(offline_outputs, tmp_path, capsys)
    (row,) = [r for r in leaked["results"] if r["scenario"] == "tampered-signature"]
    token = re.search(r"x-amz-security-token:(\S+)", row["got"])
    assert token is not None and len(token.group(1)) > 100
