"""template.yaml, transformed by aws-sam-translator, has every property issue 2 asks for.

Each property is a `check_*` function that raises AssertionError when the property does not
hold. They run on the real template (all must pass) and on mutated copies (each mutation breaks
one property, and the matching check must then fail): that proves the checks bite.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import airspeed
import pytest
from samtranslator.translator.transform import transform

from _conditions import with_conditions
from guestapi.template.conditions import decide_conditions
from guestapi.template.local_code import stage_local_code
from guestapi.template.reading import read_template

Template = dict[str, Any]

# Values that stand in for what CloudFormation would resolve, so ARNs and URLs can be compared
# as whole strings (a check then cannot be fooled by an equivalent-looking but wider ARN).
FAKE_VALUES = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "guest-api-dev",
    "Api": "a1b2c3d4e5",
    "ApiStage": "dev",  # SAM rewrites ${Api.Stage} to ${ApiStage}
    "StageName": "dev",
    "AllowedOrigin": "*",
}
REQUIRED_CORS_HEADERS = {
    "Content-Type",
    "Authorization",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-Sha256",
}
ATTESTATION_CONDITIONS = ("AttestationOn", "AttestationEnforced", "DebugTokensRefused")
GUEST_ARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/GET/demo"


class _NoManagedPolicies:
    """The template attaches no managed policies, so the translator needs no IAM lookup."""

    def load(self) -> dict[str, str]:
        return {}


def to_cloudformation(sam: Template) -> Template:
    document = copy.deepcopy(sam)
    # The translator takes only S3 CodeUris, as `sam package` leaves them.
    stage_local_code(document, Path("."))
    with pytest.MonkeyPatch.context() as mp:
        # The translator asks boto3 for a region (for pseudo parameters); any will do.
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        transformed = transform(document, {}, _NoManagedPolicies())
    # AttestationMode off (the default): the stack existing users deploy; the attested modes have
    # their own tests. The other conditions stay, for the tests of what they switch.
    return with_conditions(transformed, {}, only=ATTESTATION_CONDITIONS)


@pytest.fixture(scope="session")
def sam_template(template_path: Path) -> Template:
    return read_template(template_path)[1]


@pytest.fixture(scope="session")
def cfn(sam_template: Template) -> Template:
    # AttestationMode off (the default): the stack existing users deploy. The attested modes
    # have their own tests (test_template_attestation.py).
    return to_cloudformation(sam_template)


# -- helpers -------------------------------------------------------------------------------


def resolve(value: Any) -> str:
    """A Ref / Fn::Sub / plain string resolved with FAKE_VALUES; anything else fails."""
    if isinstance(value, str):
        return value
    assert isinstance(value, dict) and len(value) == 1, f"unexpected value {value!r}"
    if "Ref" in value:
        assert value["Ref"] in FAKE_VALUES, f"unexpected Ref {value['Ref']}"
        return FAKE_VALUES[value["Ref"]]
    text = value.get("Fn::Sub")
    assert isinstance(text, str), f"expected a Ref or a one-string Fn::Sub, got {value!r}"

    def substitute(match: re.Match[str]) -> str:
        assert match.group(1) in FAKE_VALUES, f"unexpected ${{{match.group(1)}}} in {text}"
        return FAKE_VALUES[match.group(1)]

    return re.sub(r"\$\{([^}]+)\}", substitute, text)


def header_value(value: Any) -> str:
    """API Gateway static header values are single-quoted: "'a,b'" -> "a,b"."""
    text = resolve(value)
    assert text.startswith("'") and text.endswith("'"), f"not a static value: {text!r}"
    return text[1:-1]


def header_list(value: Any) -> set[str]:
    return {item.strip() for item in header_value(value).split(",")}


def resources(cfn: Template, type_: str) -> dict[str, Template]:
    return {k: v for k, v in cfn["Resources"].items() if v["Type"] == type_}


def the_one(cfn: Template, type_: str) -> tuple[str, Template]:
    found = resources(cfn, type_)
    assert len(found) == 1, f"expected exactly one {type_}, found {sorted(found)}"
    return next(iter(found.items()))


def body(cfn: Template) -> Template:
    return the_one(cfn, "AWS::ApiGateway::RestApi")[1]["Properties"]["Body"]


def operation(cfn: Template, method: str) -> Template:
    operations = body(cfn)["paths"].get("/demo", {})
    assert method in operations, f"/demo has no {method.upper()} method"
    return operations[method]


def condition_holds(cfn: Template, name: str, parameters: dict[str, str]) -> bool:
    """Whether condition `name` holds for these parameter values (the rest at their defaults),
    evaluated by the offline engine's own code, as CloudFormation would."""
    assert name in cfn.get("Conditions", {}), f"no condition {name}"
    values = {
        param: str(parameters.get(param, spec.get("Default", "")))
        for param, spec in cfn.get("Parameters", {}).items()
    }
    return decide_conditions(cfn, values, FAKE_VALUES)[name]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# -- property checks -----------------------------------------------------------------------


def check_parameters_constrained(cfn: Template) -> None:
    params = cfn["Parameters"]
    for name, default in [
        ("StageName", "dev"),
        ("AllowedOrigin", "*"),
        ("AllowClassicFlow", "false"),
        ("EnableWaf", "false"),
        ("EnableAccessLogs", "false"),
    ]:
        assert str(params[name].get("Default")) == default, f"{name} default"
    for name in ("AllowClassicFlow", "EnableWaf", "EnableAccessLogs"):
        allowed = sorted(params[name].get("AllowedValues", []))
        assert allowed == ["false", "true"], f"{name} allowed values {allowed}"
    for name in ("ThrottlingRateLimit", "ThrottlingBurstLimit", "WafRateLimit"):
        assert params[name]["Type"] == "Number", name
        assert "MinValue" in params[name] and "MaxValue" in params[name], f"{name} unbounded"
    assert params["LogRetentionDays"].get("AllowedValues"), "LogRetentionDays unconstrained"

    # CloudFormation patterns must match the whole value.
    stage = params["StageName"].get("AllowedPattern", "")
    assert re.fullmatch(stage, "dev") and re.fullmatch(stage, "prod_2")
    for bad in ("", "dev stage", "dev/x", "a" * 129):
        assert not re.fullmatch(stage, bad), f"StageName pattern accepts {bad!r}"
    origin = params["AllowedOrigin"].get("AllowedPattern", "")
    for good in ("*", "https://app.example.com", "http://localhost:8080"):
        assert re.fullmatch(origin, good), f"AllowedOrigin pattern rejects {good!r}"
    for bad in ("https://app.example.com/", "https://a.com/path", "javascript:alert(1)", "* x"):
        assert not re.fullmatch(origin, bad), f"AllowedOrigin pattern accepts {bad!r}"


def check_no_stray_stage(cfn: Template) -> None:
    assert body(cfn).get("openapi", "").startswith("3."), "DefinitionBody is not OpenAPI 3"
    for name, deployment in resources(cfn, "AWS::ApiGateway::Deployment").items():
        # A Deployment with StageName creates that stage: SAM's stray "Stage" (SAM#191).
        assert "StageName" not in deployment["Properties"], f"{name} creates a stage"
    _, stage = the_one(cfn, "AWS::ApiGateway::Stage")
    assert stage["Properties"]["StageName"] == {"Ref": "StageName"}


def check_get_requires_sigv4(cfn: Template) -> None:
    schemes = body(cfn).get("components", {}).get("securitySchemes", {})
    scheme = schemes.get("AWS_IAM", {})
    assert scheme.get("x-amazon-apigateway-authtype") == "awsSigv4", "no awsSigv4 scheme"
    assert (scheme.get("type"), scheme.get("name"), scheme.get("in")) == (
        "apiKey",
        "Authorization",
        "header",
    )
    for path, operations in body(cfn)["paths"].items():
        for method, op in operations.items():
            if method != "options":
                assert op.get("security") == [{"AWS_IAM": []}], f"{method.upper()} {path} not IAM"


def check_preflight_unauthenticated(cfn: Template) -> None:
    options = operation(cfn, "options")
    # Browsers send the preflight without credentials: any security here breaks CORS.
    assert not options.get("security"), f"OPTIONS requires {options.get('security')}"
    assert options["x-amazon-apigateway-integration"]["type"] == "mock"


def check_preflight_cors_headers(cfn: Template) -> None:
    integration = operation(cfn, "options")["x-amazon-apigateway-integration"]
    params = integration["responses"]["default"]["responseParameters"]
    headers = header_list(params["method.response.header.Access-Control-Allow-Headers"])
    assert headers >= REQUIRED_CORS_HEADERS, f"missing {REQUIRED_CORS_HEADERS - headers}"
    assert header_list(params["method.response.header.Access-Control-Allow-Methods"]) == {
        "GET",
        "OPTIONS",
    }
    origin = params["method.response.header.Access-Control-Allow-Origin"]
    assert origin == {"Fn::Sub": "'${AllowedOrigin}'"}, f"origin not from AllowedOrigin: {origin}"


def check_get_mock_integration(cfn: Template) -> None:
    get = operation(cfn, "get")
    integration = get["x-amazon-apigateway-integration"]
    assert integration["type"] == "mock"
    # A MOCK integration takes its status code from the request template.
    request = json.loads(integration["requestTemplates"]["application/json"])
    assert request == {"statusCode": 200}, f"MOCK request template {request}"
    default = integration["responses"]["default"]
    assert default["statusCode"] == "200"
    origin = default.get("responseParameters", {}).get(
        "method.response.header.Access-Control-Allow-Origin"
    )
    assert origin == {"Fn::Sub": "'${AllowedOrigin}'"}, "GET does not map the CORS origin"
    assert "Access-Control-Allow-Origin" in get["responses"]["200"].get("headers", {})

    # Render the response template with a Velocity engine as API Gateway would.
    template = default["responseTemplates"]["application/json"]
    for field in (
        "$context.identity.cognitoIdentityId",
        "$context.identity.cognitoAuthenticationType",
        "$context.requestId",
    ):
        assert field in template, f"response template lacks {field}"
    context = {
        "identity": {
            "cognitoIdentityId": "us-east-1:0000-guest",
            "cognitoAuthenticationType": "unauthenticated",
        },
        "requestId": "req-123",
    }
    rendered = json.loads(airspeed.Template(template).merge({"context": context}))
    values = set(rendered.values())
    assert {"us-east-1:0000-guest", "unauthenticated", "req-123"} <= values
    assert rendered.get("message"), "no message in the body"


def check_gateway_responses_cors(cfn: Template) -> None:
    responses = body(cfn).get("x-amazon-apigateway-gateway-responses", {})
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        params = responses.get(kind, {}).get("responseParameters", {})
        origin = params.get("gatewayresponse.header.Access-Control-Allow-Origin")
        assert origin == {"Fn::Sub": "'${AllowedOrigin}'"}, f"{kind} has no CORS origin"
        allow = params.get("gatewayresponse.header.Access-Control-Allow-Headers")
        assert allow is not None and header_list(allow) >= REQUIRED_CORS_HEADERS, kind


def check_throttling_from_parameters(cfn: Template) -> None:
    _, stage = the_one(cfn, "AWS::ApiGateway::Stage")
    settings = stage["Properties"].get("MethodSettings", [])
    everywhere = [s for s in settings if (s["ResourcePath"], s["HttpMethod"]) == ("/*", "*")]
    assert everywhere, "no stage-wide method setting"
    for key in ("ThrottlingRateLimit", "ThrottlingBurstLimit"):
        assert everywhere[0].get(key) == {"Ref": key}, f"{key} not from its parameter"
    for setting in settings:  # no per-method override with a hard-coded, looser limit
        for key in ("ThrottlingRateLimit", "ThrottlingBurstLimit"):
            if key in setting:
                assert setting[key] == {"Ref": key}, f"{key} hard-coded: {setting[key]}"


def check_identity_pool(cfn: Template) -> None:
    _, pool = the_one(cfn, "AWS::Cognito::IdentityPool")
    props = pool["Properties"]
    assert props["AllowUnauthenticatedIdentities"] is True, "guest access is off"
    classic = props.get("AllowClassicFlow", False)

    def effective(parameters: dict[str, str]) -> bool:
        if isinstance(classic, bool):
            return classic
        cond, if_true, if_false = classic["Fn::If"]
        return if_true if condition_holds(cfn, cond, parameters) else if_false

    assert effective({}) is False, "classic flow is on by default"
    assert effective({"AllowClassicFlow": "true"}) is True, "AllowClassicFlow has no effect"
    assert effective({"AllowClassicFlow": "false"}) is False


def guest_role(cfn: Template) -> tuple[str, Template]:
    return the_one(cfn, "AWS::IAM::Role")


def check_trust_policy(cfn: Template) -> None:
    _, role = guest_role(cfn)
    statements = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert len(statements) == 1, "trust policy must have exactly one statement"
    (statement,) = statements
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
    assert as_list(statement["Action"]) == ["sts:AssumeRoleWithWebIdentity"]
    assert statement.get("Condition") == {
        "StringEquals": {"cognito-identity.amazonaws.com:aud": {"Ref": "IdentityPool"}},
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"},
    }, f"trust conditions: {statement.get('Condition')}"


def check_guest_policy(cfn: Template) -> None:
    name, role = guest_role(cfn)
    props = role["Properties"]
    assert not props.get("ManagedPolicyArns"), "guest role has managed policies"
    for other in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        assert not resources(cfn, other), f"extra {other} resources"
    policies = props.get("Policies", [])
    assert len(policies) == 1, "guest role must have exactly one inline policy"
    statements = policies[0]["PolicyDocument"]["Statement"]
    assert len(statements) == 1, f"{name}: exactly one statement, got {len(statements)}"
    (statement,) = statements
    assert statement["Effect"] == "Allow"
    assert set(statement) == {"Effect", "Action", "Resource"}, "unexpected statement keys"
    assert as_list(statement["Action"]) == ["execute-api:Invoke"], f"action {statement['Action']}"
    arns = [resolve(r) for r in as_list(statement["Resource"])]
    assert arns == [GUEST_ARN], f"policy resource {arns} is not exactly GET /demo"


def check_role_attachment(cfn: Template) -> None:
    _, attachment = the_one(cfn, "AWS::Cognito::IdentityPoolRoleAttachment")
    props = attachment["Properties"]
    assert props["IdentityPoolId"] == {"Ref": "IdentityPool"}
    role_id, _ = guest_role(cfn)
    expected = {"unauthenticated": {"Fn::GetAtt": [role_id, "Arn"]}}
    assert props["Roles"] == expected, f"role mapping {props['Roles']}"
    assert "RoleMappings" not in props


def check_waf(cfn: Template) -> None:
    acl_id, acl = the_one(cfn, "AWS::WAFv2::WebACL")
    assoc_id, assoc = the_one(cfn, "AWS::WAFv2::WebACLAssociation")
    for logical_id, resource in ((acl_id, acl), (assoc_id, assoc)):
        cond = resource.get("Condition")
        assert cond, f"{logical_id} is not optional"
        assert not condition_holds(cfn, cond, {}), f"{logical_id} is on by default"
        assert condition_holds(cfn, cond, {"EnableWaf": "true"}), f"{logical_id}: EnableWaf"
    props = with_conditions(cfn, {"EnableWaf": "true"})["Resources"][acl_id]["Properties"]
    assert props["Scope"] == "REGIONAL"
    rate_rules = [r for r in props["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert len(rate_rules) == 1, f"EnableWaf: expected one rate rule, got {rate_rules}"
    rate = rate_rules[0]
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == {"Ref": "WafRateLimit"}
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert "ScopeDownStatement" not in rate["Statement"]["RateBasedStatement"], "not every path"
    assert "Block" in rate["Action"], f"rate rule action {rate['Action']}"
    stage_arn = "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/dev"
    assert resolve(assoc["Properties"]["ResourceArn"]) == stage_arn
    assert assoc["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}


def check_access_logs(cfn: Template) -> None:
    group_id, group = the_one(cfn, "AWS::Logs::LogGroup")
    cond = group.get("Condition")
    assert cond, "log group is not optional"
    assert not condition_holds(cfn, cond, {}), "access logs on by default"
    assert condition_holds(cfn, cond, {"EnableAccessLogs": "true"})
    retention = group["Properties"].get("RetentionInDays")
    assert retention == {"Ref": "LogRetentionDays"}, f"log retention {retention}"
    _, stage = the_one(cfn, "AWS::ApiGateway::Stage")
    setting = stage["Properties"].get("AccessLogSetting")
    assert isinstance(setting, dict) and "Fn::If" in setting, "access logging not conditional"
    if_cond, enabled, disabled = setting["Fn::If"]
    assert if_cond == cond
    assert disabled == {"Ref": "AWS::NoValue"}
    assert enabled["DestinationArn"] == {"Fn::GetAtt": [group_id, "Arn"]}
    assert "$context.requestId" in enabled["Format"]
    assert "$context.identity.cognitoIdentityId" in enabled["Format"]


def check_outputs(cfn: Template) -> None:
    outputs = cfn["Outputs"]
    for name in ("ApiUrl", "IdentityPoolId", "GuestRoleArn", "Region"):
        assert name in outputs, f"no output {name}"
        assert outputs[name].get("Description", "").strip(), f"{name} has no Description"
    url = outputs["ApiUrl"]["Value"]
    # Partition-safe: the domain suffix differs in China and GovCloud partitions.
    assert "${AWS::URLSuffix}" in url.get("Fn::Sub", ""), "ApiUrl hard-codes the domain"
    assert resolve(url) == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev"
    assert outputs["IdentityPoolId"]["Value"] == {"Ref": "IdentityPool"}
    role_id, _ = guest_role(cfn)
    assert outputs["GuestRoleArn"]["Value"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert outputs["Region"]["Value"] == {"Ref": "AWS::Region"}


CHECKS: list[Callable[[Template], None]] = [
    check_parameters_constrained,
    check_no_stray_stage,
    check_get_requires_sigv4,
    check_preflight_unauthenticated,
    check_preflight_cors_headers,
    check_get_mock_integration,
    check_gateway_responses_cors,
    check_throttling_from_parameters,
    check_identity_pool,
    check_trust_policy,
    check_guest_policy,
    check_role_attachment,
    check_waf,
    check_access_logs,
    check_outputs,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_template_has_property(cfn: Template, check: Callable[[Template], None]) -> None:
    check(cfn)


# -- mutations: each breaks one property; its check must then fail ---------------------------


def api(t: Template) -> Template:
    return t["Resources"]["Api"]["Properties"]


def get_integration(t: Template) -> Template:
    return api(t)["DefinitionBody"]["paths"]["/demo"]["get"]["x-amazon-apigateway-integration"]


def trust_condition(t: Template) -> Template:
    doc = t["Resources"]["GuestRole"]["Properties"]["AssumeRolePolicyDocument"]
    return doc["Statement"][0]["Condition"]


def guest_statement(t: Template) -> Template:
    return t["Resources"]["GuestRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][
        0
    ]


def _widen_resource(t: Template) -> None:
    statement = guest_statement(t)
    statement["Resource"]["Fn::Sub"] = statement["Resource"]["Fn::Sub"].replace("/GET/demo", "/*")


def _add_statement(t: Template) -> None:
    statements = t["Resources"]["GuestRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    statements["Statement"].append({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})


def _drop_header(t: Template) -> None:
    cors = api(t)["Cors"]
    assert "X-Amz-Security-Token," in cors["AllowHeaders"]
    cors["AllowHeaders"] = cors["AllowHeaders"].replace("X-Amz-Security-Token,", "")


def _hard_code_url_suffix(t: Template) -> None:
    out = t["Outputs"]["ApiUrl"]["Value"]
    out["Fn::Sub"] = out["Fn::Sub"].replace("${AWS::URLSuffix}", "amazonaws.com")


@dataclass(frozen=True)
class Mutation:
    name: str
    apply: Callable[[Template], None]
    check: Callable[[Template], None]
    expect: str  # regex the check's failure message must match: it failed for this reason


MUTATIONS = [
    Mutation(
        "remove the AWS_IAM default authorizer",
        lambda t: api(t)["Auth"].pop("DefaultAuthorizer"),
        check_get_requires_sigv4,
        "no awsSigv4 scheme",
    ),
    Mutation(
        "widen the policy to /*", _widen_resource, check_guest_policy, "is not exactly GET /demo"
    ),
    Mutation(
        "widen the action to execute-api:*",
        lambda t: guest_statement(t).update(Action="execute-api:*"),
        check_guest_policy,
        r"action execute-api:\*",
    ),
    Mutation(
        "add a second statement to the guest policy",
        _add_statement,
        check_guest_policy,
        "exactly one statement, got 2",
    ),
    Mutation(
        "attach a managed policy to the guest role",
        lambda t: t["Resources"]["GuestRole"]["Properties"].update(
            ManagedPolicyArns=["arn:aws:iam::aws:policy/ReadOnlyAccess"]
        ),
        check_guest_policy,
        "guest role has managed policies",
    ),
    Mutation(
        "drop the amr condition",
        lambda t: trust_condition(t).pop("ForAnyValue:StringLike"),
        check_trust_policy,
        "trust conditions",
    ),
    Mutation(
        "drop the aud condition",
        lambda t: trust_condition(t).pop("StringEquals"),
        check_trust_policy,
        "trust conditions",
    ),
    Mutation(
        "trust authenticated identities",
        lambda t: trust_condition(t)["ForAnyValue:StringLike"].update(
            {"cognito-identity.amazonaws.com:amr": "authenticated"}
        ),
        check_trust_policy,
        "trust conditions",
    ),
    Mutation(
        "classic flow on by default",
        lambda t: t["Parameters"]["AllowClassicFlow"].update(Default="true"),
        check_identity_pool,
        "classic flow is on by default",
    ),
    Mutation(
        "classic flow always on",
        lambda t: t["Resources"]["IdentityPool"]["Properties"].update(AllowClassicFlow=True),
        check_identity_pool,
        "classic flow is on by default",
    ),
    Mutation(
        "guest access off",
        lambda t: t["Resources"]["IdentityPool"]["Properties"].update(
            AllowUnauthenticatedIdentities=False
        ),
        check_identity_pool,
        "guest access is off",
    ),
    Mutation(
        "auth on OPTIONS (AddDefaultAuthorizerToCorsPreflight true)",
        lambda t: api(t)["Auth"].update(AddDefaultAuthorizerToCorsPreflight=True),
        check_preflight_unauthenticated,
        "OPTIONS requires",
    ),
    Mutation(
        "drop X-Amz-Security-Token from the CORS headers",
        _drop_header,
        check_preflight_cors_headers,
        r"missing \{'X-Amz-Security-Token'\}",
    ),
    Mutation(
        "no CORS at all",
        lambda t: api(t).pop("Cors"),
        check_preflight_cors_headers,
        "/demo has no OPTIONS method",
    ),
    Mutation(
        "drop CORS from DEFAULT_4XX",
        lambda t: api(t)["GatewayResponses"]["DEFAULT_4XX"]["ResponseParameters"]["Headers"].pop(
            "Access-Control-Allow-Origin"
        ),
        check_gateway_responses_cors,
        "DEFAULT_4XX has no CORS origin",
    ),
    Mutation(
        "no DEFAULT_5XX gateway response",
        lambda t: api(t)["GatewayResponses"].pop("DEFAULT_5XX"),
        check_gateway_responses_cors,
        "DEFAULT_5XX has no CORS origin",
    ),
    Mutation(
        "drop OpenApiVersion",
        lambda t: api(t).pop("OpenApiVersion"),
        check_no_stray_stage,
        "creates a stage",
    ),
    Mutation(
        "drop the GET's Access-Control-Allow-Origin mapping",
        lambda t: get_integration(t)["responses"]["default"].pop("responseParameters"),
        check_get_mock_integration,
        "GET does not map the CORS origin",
    ),
    Mutation(
        "MOCK request template answers 500",
        lambda t: get_integration(t)["requestTemplates"].update(
            {"application/json": '{"statusCode": 500}'}
        ),
        check_get_mock_integration,
        r"MOCK request template \{'statusCode': 500\}",
    ),
    Mutation(
        "response template loses the identity id",
        lambda t: get_integration(t)["responses"]["default"]["responseTemplates"].update(
            {"application/json": '{"message": "hi", "requestId": "$context.requestId"}'}
        ),
        check_get_mock_integration,
        r"lacks \$context\.identity\.cognitoIdentityId",
    ),
    Mutation(
        "hard-coded throttling",
        lambda t: api(t)["MethodSettings"][0].update(ThrottlingRateLimit=10000),
        check_throttling_from_parameters,
        "ThrottlingRateLimit not from its parameter",
    ),
    Mutation(
        "unconstrained AllowClassicFlow",
        lambda t: t["Parameters"]["AllowClassicFlow"].pop("AllowedValues"),
        check_parameters_constrained,
        "AllowClassicFlow allowed values",
    ),
    Mutation(
        "StageName accepts anything",
        lambda t: t["Parameters"]["StageName"].update(AllowedPattern=".*"),
        check_parameters_constrained,
        "StageName pattern accepts",
    ),
    Mutation(
        "guest role mapped for authenticated identities too",
        lambda t: t["Resources"]["IdentityPoolRoles"]["Properties"]["Roles"].update(
            authenticated={"Fn::GetAtt": ["GuestRole", "Arn"]}
        ),
        check_role_attachment,
        "role mapping",
    ),
    Mutation(
        "WAF always on (no Condition)",
        lambda t: t["Resources"]["WebAcl"].pop("Condition"),
        check_waf,
        "WebAcl is not optional",
    ),
    Mutation(
        "WAF rate rule counts instead of blocking",
        lambda t: t["Resources"]["WebAcl"]["Properties"]["Rules"][0]["Fn::If"][1].update(
            Action={"Count": {}}
        ),
        check_waf,
        "rate rule action",
    ),
    Mutation(
        "log group without retention",
        lambda t: t["Resources"]["AccessLogGroup"]["Properties"].pop("RetentionInDays"),
        check_access_logs,
        "log retention None",
    ),
    Mutation(
        "ApiUrl hard-codes amazonaws.com",
        _hard_code_url_suffix,
        check_outputs,
        "ApiUrl hard-codes the domain",
    ),
    Mutation(
        "an output without a Description",
        lambda t: t["Outputs"]["IdentityPoolId"].pop("Description"),
        check_outputs,
        "IdentityPoolId has no Description",
    ),
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_check_fails_on_mutated_template(sam_template: Template, mutation: Mutation) -> None:
    broken = copy.deepcopy(sam_template)
    mutation.apply(broken)
    assert broken != sam_template, "the mutation changed nothing"
    cfn = to_cloudformation(broken)
    with pytest.raises(AssertionError, match=mutation.expect):
        mutation.check(cfn)


def test_every_check_has_a_mutation_that_breaks_it() -> None:
    assert {m.check for m in MUTATIONS} == set(CHECKS)
