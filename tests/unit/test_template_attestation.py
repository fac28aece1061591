"""template.yaml per AttestationMode, transformed by aws-sam-translator, conditions resolved as
CloudFormation would: `off` deploys exactly the guest stack; `monitor` and `enforce` add the
attested path with the guest's least privilege; debug tokens follow Environment."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from _conditions import with_conditions
from guestapi.template.local_code import stage_local_code
from guestapi.template.reading import read_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
ATTESTATION_RESOURCES = {
    "AttestedRole",
    "AttestationFunction",
    "AttestationFunctionRole",
    "AttestationPermission",
    "AttestationTable",
    "DebugTokenHashesParameter",
    "AttestationLogGroup",
    "AttestationDashboard",
    "AttestationRefusalAlarm",
    "WebAcl",
    "WebAclAssociation",
}
ATTEST_ROUTES = ("/attest/challenge", "/attest", "/attest/refresh")


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def transformed(monkeypatch_module: Any) -> dict[str, Any]:
    _, document = read_template(TEMPLATE)
    stage_local_code(document, TEMPLATE.parent)
    return transform(copy.deepcopy(document), {}, _NoManagedPolicies())


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    patch = pytest.MonkeyPatch()
    patch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the translator asks boto3 for a region
    yield patch
    patch.undo()


def _mode(transformed: dict[str, Any], **values: str) -> dict[str, Any]:
    return with_conditions(transformed, values)


def _pool(t: dict[str, Any]) -> dict[str, Any]:
    return t["Resources"]["IdentityPool"]["Properties"]


def _paths(t: dict[str, Any]) -> set[str]:
    return set(t["Resources"]["Api"]["Properties"]["Body"]["paths"])


def _policy(t: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return t["Resources"][role]["Properties"]["Policies"]


def _resolved_statement(t: dict[str, Any], role: str) -> dict[str, Any]:
    """The role's one statement, with its Resource's Fn::Sub written out as one string."""
    (policy,) = _policy(t, role)
    (statement,) = policy["PolicyDocument"]["Statement"]
    resource = statement["Resource"]["Fn::Sub"]
    if isinstance(resource, list):  # [template, {"Stage": {"Ref": "StageName"}}]
        text, names = resource
        for name, value in names.items():
            text = text.replace("${" + name + "}", "${" + value["Ref"] + "}")
        resource = text
    actions = statement["Action"]
    return {
        "Effect": statement["Effect"],
        "Action": actions if isinstance(actions, list) else [actions],
        "Resource": resource,
    }


def test_off_deploys_the_guest_stack_only(transformed) -> None:
    off = _mode(transformed)
    assert ATTESTATION_RESOURCES.isdisjoint(off["Resources"])
    assert _pool(off)["AllowUnauthenticatedIdentities"] is True
    assert "DeveloperProviderName" not in _pool(off)
    roles = off["Resources"]["IdentityPoolRoles"]["Properties"]["Roles"]
    assert set(roles) == {"unauthenticated"}
    assert _paths(off) == {"/demo"}
    logs_on = _mode(transformed, EnableAccessLogs="true")
    log_format = json.dumps(logs_on["Resources"]["ApiStage"]["Properties"]["AccessLogSetting"])
    assert "$context.requestId" in log_format
    assert "cognitoAuthenticationType" not in log_format  # off: the same log lines as before
    assert set(off["Outputs"]) == {
        "ApiUrl",
        "IdentityPoolId",
        "GuestRoleArn",
        "Region",
        "AttestationMode",
    }


@pytest.mark.parametrize("mode", ["monitor", "enforce"])
def test_attested_modes_add_the_attested_path(transformed, mode) -> None:
    on = _mode(transformed, AttestationMode=mode)
    assert set(on["Resources"]) >= ATTESTATION_RESOURCES
    assert _pool(on)["AllowUnauthenticatedIdentities"] is (mode == "monitor")
    assert _pool(on)["DeveloperProviderName"] == {"Fn::Sub": "attested.${AWS::StackName}"}
    roles = on["Resources"]["IdentityPoolRoles"]["Properties"]["Roles"]
    assert roles["authenticated"] == {"Fn::GetAtt": ["AttestedRole", "Arn"]}
    assert _paths(on) == {"/demo", "/attest/challenge", "/attest", "/attest/refresh"}
    # monitor's promise: the access log says which kind of caller each line is
    logs_on = _mode(transformed, AttestationMode=mode, EnableAccessLogs="true")
    logged = json.dumps(logs_on["Resources"]["ApiStage"]["Properties"]["AccessLogSetting"])
    assert '\\"caller\\":\\"$context.identity.cognitoAuthenticationType\\"' in logged


def test_the_attested_role_has_the_guests_least_privilege(transformed) -> None:
    on = _mode(transformed, AttestationMode="enforce")
    assert _resolved_statement(on, "AttestedRole") == _resolved_statement(on, "GuestRole")
    (statement,) = on["Resources"]["AttestedRole"]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ]
    condition = statement["Condition"]
    assert condition["StringEquals"] == {
        "cognito-identity.amazonaws.com:aud": {"Ref": "IdentityPool"}
    }
    assert condition["ForAnyValue:StringLike"] == {
        "cognito-identity.amazonaws.com:amr": "authenticated"
    }


def test_the_function_may_do_exactly_its_calls(transformed) -> None:
    on = _mode(transformed, AttestationMode="monitor")
    policies = on["Resources"]["AttestationFunctionRole"]["Properties"]["Policies"]
    actions = sorted(
        action
        for policy in policies
        for statement in policy["PolicyDocument"]["Statement"]
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    )
    assert actions == [
        "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "ssm:GetParameter",
    ]
    assert "*" not in json.dumps(policies)


def test_the_template_never_trusts_a_test_root(transformed) -> None:
    # Only `local.py --attestation-test-root` sets it, in the offline stack's function sandboxes.
    assert "ATTESTATION_TEST_ROOT_PEM" not in TEMPLATE.read_text()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, "allowed"),
        ({"Environment": "staging"}, "allowed"),
        ({"Environment": "prod"}, "refused"),
        ({"Environment": "prod", "AllowDebugTokensInProd": "true"}, "allowed"),
    ],
)
def test_debug_tokens_are_refused_in_prod_unless_allowed(transformed, values, expected) -> None:
    on = _mode(transformed, AttestationMode="monitor", **values)
    variables = on["Resources"]["AttestationFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["DEBUG_TOKENS"] == expected


def _route_settings(t: dict[str, Any]) -> dict[str, dict[str, Any]]:
    settings = t["Resources"]["ApiStage"]["Properties"]["MethodSettings"]
    return {f"{m['ResourcePath']} {m['HttpMethod']}": m for m in settings}


def test_each_attest_route_has_a_throttle_of_its_own(transformed) -> None:
    # A bucket per route: a flood of /attest/challenge neither starves /attest nor GET /demo.
    on = _route_settings(_mode(transformed, AttestationMode="monitor"))
    for route in ATTEST_ROUTES:
        setting = on["/" + route.replace("/", "~1") + " POST"]
        assert setting["ThrottlingRateLimit"] == {"Ref": "AttestThrottlingRateLimit"}
        assert setting["ThrottlingBurstLimit"] == {"Ref": "AttestThrottlingBurstLimit"}
    assert set(_route_settings(_mode(transformed))) == {"/* *"}  # off: as before


def test_the_functions_concurrency_covers_a_routes_burst(transformed) -> None:
    # Sizing: API Gateway's 429 (retried by clients) must come before Lambda's throttle (500).
    parameters = transformed["Parameters"]
    on = _mode(transformed, AttestationMode="enforce")
    function = on["Resources"]["AttestationFunction"]["Properties"]
    assert function["ReservedConcurrentExecutions"] == {"Ref": "AttestationConcurrency"}
    concurrency = parameters["AttestationConcurrency"]["Default"]
    assert concurrency >= parameters["AttestThrottlingBurstLimit"]["Default"]


def test_the_functions_logs_expire(transformed) -> None:
    on = _mode(transformed, AttestationMode="monitor")
    function = on["Resources"]["AttestationFunction"]["Properties"]
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "AttestationLogGroup"}}
    group = on["Resources"]["AttestationLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def _attest_rule(t: dict[str, Any]) -> dict[str, Any]:
    (rule,) = [
        r
        for r in t["Resources"]["WebAcl"]["Properties"]["Rules"]
        if r["Name"] == "attest-rate-limit-per-ip"
    ]
    return rule


def test_a_per_ip_waf_rule_guards_the_unsigned_routes_by_default(transformed) -> None:
    on = _mode(transformed, AttestationMode="monitor")
    assert [r["Name"] for r in on["Resources"]["WebAcl"]["Properties"]["Rules"]] == [
        "attest-rate-limit-per-ip"
    ]
    rule = _attest_rule(on)
    assert "Block" in rule["Action"]
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"
    assert rate["Limit"] == {"Ref": "AttestWafRateLimit"}
    searched = [
        s["ByteMatchStatement"]["SearchString"]
        for s in rate["ScopeDownStatement"]["OrStatement"]["Statements"]
    ]
    assert searched == [{"Fn::Sub": "/${StageName}/attest"}, "/attest"]
    with_everything = _mode(transformed, AttestationMode="monitor", EnableWaf="true")
    names = [r["Name"] for r in with_everything["Resources"]["WebAcl"]["Properties"]["Rules"]]
    assert names == ["rate-limit-per-ip", "known-bad-inputs", "attest-rate-limit-per-ip"]
    opted_out = _mode(transformed, AttestationMode="monitor", EnableAttestWafRule="false")
    assert "WebAcl" not in opted_out["Resources"]
    assert "WebAclAssociation" not in opted_out["Resources"]


def test_the_alarm_and_dashboard_read_the_functions_metrics(transformed) -> None:
    on = _mode(transformed, AttestationMode="monitor")
    variables = on["Resources"]["AttestationFunction"]["Properties"]["Environment"]["Variables"]
    namespace = variables["POWERTOOLS_METRICS_NAMESPACE"]
    service = variables["POWERTOOLS_SERVICE_NAME"]
    alarm = on["Resources"]["AttestationRefusalAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (namespace, "Refused")
    assert alarm["Dimensions"] == [{"Name": "service", "Value": service}]
    assert alarm["Threshold"] == {"Ref": "RefusalAlarmThreshold"}
    assert "AlarmActions" not in alarm  # no topic given
    notified = _mode(transformed, AttestationMode="monitor", AlarmTopicArn="arn:aws:sns:x")
    actions = notified["Resources"]["AttestationRefusalAlarm"]["Properties"]["AlarmActions"]
    assert actions == [{"Ref": "AlarmTopicArn"}]
    body, names = on["Resources"]["AttestationDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert names["Service"] == service
    text = body.replace("${Service}", "svc").replace("${AWS::Region}", "us-east-1")
    text = text.replace("${ApiName}", "api").replace("${StageName}", "dev")
    text = text.replace("${AttestationFunction}", "fn").replace("${AWS::StackName}", "stack")
    widgets = json.loads(text)["widgets"]  # the body CloudWatch gets is JSON
    metrics = json.dumps(widgets)
    for name in ("Admitted", "RefusedByCode"):
        assert name in metrics
    assert namespace in metrics


def test_debug_token_hashes_are_not_echoed(transformed) -> None:
    assert transformed["Parameters"]["DebugTokenHashes"]["NoEcho"] is True
