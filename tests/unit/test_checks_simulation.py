"""The IAM probes against AWS, through botocore's Stubber: GetResources lists the methods,
SimulatePrincipalPolicy decides each probe, and the table row names the deciding statement."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import pytest
from botocore.stub import Stubber

from guestapi import deployer
from guestapi.checks.generated import generated_scenarios, sample_path
from guestapi.checks.methods import ApiMethod
from guestapi.checks.simulation import (
    OTHER_STAGE,
    api_id_of,
    control_plane_client,
    probe_stack,
    probes_for,
    scope_from,
)
from guestapi.checks.target import TargetError
from guestapi.cli import check

EVENTS = Path(__file__).resolve().parents[2] / "events"
ROLE = "arn:aws:iam::111122223333:role/guest-api-GuestRole-ABC"
API = "abcde12345"
OUTPUTS = {
    "ApiUrl": f"https://{API}.execute-api.eu-west-1.amazonaws.com/prod",
    "IdentityPoolId": "eu-west-1:11111111-2222-4333-8444-555555555555",
    "Region": "eu-west-1",
    "GuestRoleArn": ROLE,
}
METHOD_ARN = f"arn:aws:execute-api:eu-west-1:111122223333:{API}/prod/GET/demo"


def _client(service: str):
    return botocore.session.get_session().create_client(
        service,
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="x",
    )


def _resources(stub: Stubber) -> None:
    items = [
        {"id": "root", "path": "/"},
        {
            "id": "r1",
            "path": "/demo",
            "resourceMethods": {
                "GET": {"httpMethod": "GET", "authorizationType": "AWS_IAM"},
                "OPTIONS": {"httpMethod": "OPTIONS", "authorizationType": "NONE"},
            },
        },
    ]
    stub.add_response("get_resources", {"items": items}, {"restApiId": API, "embed": ["methods"]})


def _decision(action: str, resource: str, decision: str, matched: bool = False) -> dict:
    statements = (
        [
            {
                "SourcePolicyId": "invoke-get-demo",
                "SourcePolicyType": "role",
                "StartPosition": {"Line": 4, "Column": 5},
                "EndPosition": {"Line": 8, "Column": 5},
            }
        ]
        if matched
        else []
    )
    return {
        "EvaluationResults": [
            {
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": decision,
                "MatchedStatements": statements,
            }
        ]
    }


def _run(widened_to: set[str] = frozenset()):
    """probe_stack with stubbed clients; resources in `widened_to` come back allowed."""
    apigateway, iam = _client("apigateway"), _client("iam")
    with Stubber(apigateway) as api_stub, Stubber(iam) as iam_stub:
        _resources(api_stub)
        scope = scope_from(ROLE, "eu-west-1", API, "prod")
        for probe in probes_for(scope, [ApiMethod("GET", "/demo")]):
            allowed = probe.allowed or probe.resource in widened_to
            iam_stub.add_response(
                "simulate_principal_policy",
                _decision(
                    probe.action,
                    probe.resource,
                    "allowed" if allowed else "implicitDeny",
                    matched=allowed,
                ),
                {
                    "PolicySourceArn": ROLE,
                    "ActionNames": [probe.action],
                    "ResourceArns": [probe.resource],
                },
            )
        probing = probe_stack(OUTPUTS, apigateway=apigateway, iam=iam)
        iam_stub.assert_no_pending_responses()
        api_stub.assert_no_pending_responses()
    assert probing.skipped is None
    assert probing.methods == [ApiMethod("GET", "/demo")]  # OPTIONS left out
    return {r.scenario: r for r in probing.results}


def test_the_stack_as_deployed_passes_every_probe():
    results = _run()
    assert all(r.passed for r in results.values())
    granted = results["iam-allows-GET-/demo"]
    assert granted.got == "allowed (invoke-get-demo lines 4-8)"
    assert results["iam-denies-other-stage"].got == "implicitDeny (no statement matched)"
    # OPTIONS (unsigned by design) is not probed as a grant; 12 denials besides the grant.
    assert len(results) == 13


def test_a_policy_that_reaches_another_stage_fails_with_the_statement_named():
    other_stage = METHOD_ARN.replace("/prod/", f"/{OTHER_STAGE}/")
    row = _run({other_stage})["iam-denies-other-stage"]
    assert not row.passed
    assert row.got == "allowed (invoke-get-demo lines 4-8)"
    assert f"the guest role allows execute-api:Invoke on {other_stage}" in row.diagnosis
    assert "no wildcard, no execute-api:*, no NotAction/NotResource" in row.diagnosis


def test_simulation_refused_is_a_target_error_naming_the_permission():
    apigateway, iam = _client("apigateway"), _client("iam")
    with Stubber(apigateway) as api_stub, Stubber(iam) as iam_stub:
        _resources(api_stub)
        iam_stub.add_client_error(
            "simulate_principal_policy", "AccessDenied", "not authorized", 403
        )
        with pytest.raises(TargetError, match="needs iam:SimulatePrincipalPolicy"):
            probe_stack(OUTPUTS, apigateway=apigateway, iam=iam)


@pytest.mark.parametrize("service", ["apigateway", "iam"])
def test_offline_outputs_send_the_control_plane_calls_to_the_stack_signed_as_its_deployer(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The caller's own (here fake) credentials, which only a real stack's client may use.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCALLERSOWNKEY000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "callers-own-secret")
    offline = {
        **OUTPUTS,
        "ApiUrl": "http://127.0.0.1:4566/dev",
        "ApiId": "x1",
        "ApiGatewayEndpoint": "http://127.0.0.1:4566/",
        "IamEndpoint": "http://127.0.0.1:4566/",
    }
    assert api_id_of(offline) == "x1"
    client = control_plane_client(service, offline, "eu-west-1")
    assert client.meta.endpoint_url == "http://127.0.0.1:4566/"
    keys = client._request_signer._credentials
    assert (keys.access_key, keys.secret_key) == (
        deployer.ACCESS_KEY_ID,
        deployer.SECRET_ACCESS_KEY,
    )
    # A real stack's outputs name no endpoint: the SDK's own, with the caller's credentials.
    assert api_id_of(OUTPUTS) == API
    real = control_plane_client(service, OUTPUTS, "eu-west-1")
    assert real.meta.endpoint_url.endswith(".amazonaws.com")
    assert real._request_signer._credentials.access_key == "AKIDCALLERSOWNKEY000"


def test_generated_rows_follow_the_simulation_and_fill_path_parameters():
    assert sample_path("/items/{id}") == "/items/sample"
    assert sample_path("/files/{proxy+}") == "/files/sample/path"
    get, put = ApiMethod("GET", "/items/{id}"), ApiMethod("PUT", "/items/{id}")
    rows = {s.name: s for s in generated_scenarios([get, put], {get: True, put: False})}
    assert rows["gen-GET-/items/{id}"].request.path == "/items/sample"
    assert rows["gen-GET-/items/{id}"].expect.headers["x-amzn-ErrorType"].value is False
    assert rows["gen-PUT-/items/{id}"].expect.status == (403,)
    assert rows["gen-PUT-/items/{id}"].expect.headers["x-amzn-ErrorType"].value == (
        "AccessDeniedException"
    )
    missing = rows["gen-missing-DELETE-/items/{id}"]
    assert missing.expect.headers["x-amzn-ErrorType"].value == "MissingAuthenticationTokenException"


def test_check_py_stack_name_runs_the_probes_with_getresources_and_simulation(
    monkeypatch, tmp_path, capsys
):
    # `check.py --stack-name`: DescribeStacks, GetResources and SimulatePrincipalPolicy, all
    # stubbed; the signed HTTP calls are left out (a runner that observes nothing), so the
    # table holds the probes alone.
    class NoHttp:
        def __init__(self, *args, **kwargs):
            pass

        def run(self, scenarios):
            return []

    monkeypatch.setattr(check, "CheckRunner", NoHttp)
    cloudformation, apigateway, iam = (
        _client("cloudformation"),
        _client("apigateway"),
        _client("iam"),
    )
    stack = {
        "StackName": "guest-api",
        "CreationTime": "2026-01-01T00:00:00Z",
        "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in OUTPUTS.items()],
    }
    probes = probes_for(scope_from(ROLE, "eu-west-1", API, "prod"), [ApiMethod("GET", "/demo")])
    report = tmp_path / "report.json"
    with (
        Stubber(cloudformation) as cfn_stub,
        Stubber(apigateway) as api_stub,
        Stubber(iam) as iam_stub,
    ):
        cfn_stub.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "guest-api"})
        _resources(api_stub)
        for probe in probes:
            decision = "allowed" if probe.allowed else "implicitDeny"
            iam_stub.add_response(
                "simulate_principal_policy",
                _decision(probe.action, probe.resource, decision, matched=probe.allowed),
            )
        code = check.main(
            ["--stack-name", "guest-api", "--region", "eu-west-1", "--events", str(EVENTS),
             "--json", str(report)],
            cloudformation_client=cloudformation,
            apigateway_client=apigateway,
            iam_client=iam,
        )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "iam-allows-GET-/demo" in out
    assert "allowed (invoke-get-demo lines 4-8)" in out
    rows = json.loads(report.read_text())["results"]
    assert len(rows) == len(probes)
