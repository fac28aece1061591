"""The IAM probes against AWS, through botocore's Stubber: GetResources lists the methods,
SimulatePrincipalPolicy decides each probe, and the table row names the deciding statement."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.stub import Stubber

from guestapi.checks.methods import ApiMethod
from guestapi.checks.simulation import OTHER_STAGE, probe_stack, probes_for, scope_from
from guestapi.checks.target import TargetError

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


def test_offline_outputs_without_a_template_skip_the_probes():
    offline = {**OUTPUTS, "ApiUrl": "http://127.0.0.1:4566/dev", "ApiId": "x1"}
    probing = probe_stack(offline)
    assert probing.results == []
    assert probing.skipped == "the API's methods are unknown offline without --template"


def test_generated_rows_follow_the_simulation_and_fill_path_parameters():
    from guestapi.checks.generated import generated_scenarios, sample_path

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
