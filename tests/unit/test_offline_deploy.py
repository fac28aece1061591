"""The offline deploy: template.yaml -> SAM transform -> resolved CloudFormation -> Stack model."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from samtranslator.yaml_helper import yaml_parse

from guestapi.offline.apigateway.model import RestApi, Throttle, method_setting_key
from guestapi.offline.cfn.engine import load_stack
from guestapi.offline.stack import Stack
from guestapi.template import TemplateError
from guestapi.template.reading import read_template

ACCOUNT = "123456789012"


def deploy(template: Any, **kwargs: Any) -> tuple[Stack, list[str]]:
    warnings: list[str] = []
    stack = load_stack(template, warn=warnings.append, **kwargs)
    return stack, warnings


def only_api(stack: Stack) -> RestApi:
    assert len(stack.rest_apis) == 1
    return next(iter(stack.rest_apis.values()))


@pytest.fixture(scope="module")
def default(template_path: Path) -> tuple[Stack, list[str]]:
    return deploy(template_path)


@pytest.fixture(scope="module")
def document(template_path: Path) -> dict[str, Any]:
    return read_template(template_path)[1]


# --------------------------------------------------------------------------------------------
# template.yaml with its defaults
# --------------------------------------------------------------------------------------------


def test_rest_api_has_demo_get_signed_and_options_open(default: tuple[Stack, list[str]]) -> None:
    api = only_api(default[0])
    assert re.fullmatch(r"[a-z0-9]{10}", api.api_id)
    assert api.name == "guest-api-local-api"
    (demo,) = api.resources
    assert demo.path == "/demo"
    assert set(demo.methods) == {"GET", "OPTIONS"}
    assert demo.methods["GET"].authorization_type == "AWS_IAM"
    # AddDefaultAuthorizerToCorsPreflight: false -> the preflight needs no signature.
    assert demo.methods["OPTIONS"].authorization_type == "NONE"


def test_mock_integrations_carry_their_templates_and_responses(
    default: tuple[Stack, list[str]],
) -> None:
    (demo,) = only_api(default[0]).resources
    get = demo.methods["GET"].integration
    assert get is not None and get.type == "MOCK"
    assert get.passthrough_behavior == "WHEN_NO_MATCH"
    assert json.loads(get.request_templates["application/json"]) == {"statusCode": 200}
    (response,) = get.responses
    assert response.selection_pattern == "default" and response.status_code == "200"
    assert response.response_parameters == {
        "method.response.header.Access-Control-Allow-Origin": "'*'"
    }
    assert "$context.identity.cognitoIdentityId" in response.response_templates["application/json"]

    options = demo.methods["OPTIONS"].integration
    assert options is not None and options.type == "MOCK"
    (preflight,) = options.responses
    headers = preflight.response_parameters
    assert headers["method.response.header.Access-Control-Allow-Methods"] == "'GET,OPTIONS'"
    allowed = headers["method.response.header.Access-Control-Allow-Headers"]
    for header in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
        assert header in allowed


def test_stage_dev_throttles_every_method_with_the_parameter_defaults(
    default: tuple[Stack, list[str]],
) -> None:
    api = only_api(default[0])
    assert set(api.stages) == {"dev"}  # OpenApiVersion set: no extra stage named "Stage"
    stage = api.stages["dev"]
    assert stage.throttles == {"*/*": Throttle(rate_limit=10.0, burst_limit=20)}
    assert re.fullmatch(r"[a-z0-9]{6}", stage.deployment_id)


def test_gateway_responses_carry_the_cors_origin(default: tuple[Stack, list[str]]) -> None:
    responses = only_api(default[0]).gateway_responses
    assert set(responses) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    for response in responses.values():
        assert (
            response.response_parameters["gatewayresponse.header.Access-Control-Allow-Origin"]
            == "'*'"
        )


def test_identity_pool_allows_guests_and_not_the_classic_flow(
    default: tuple[Stack, list[str]],
) -> None:
    stack = default[0]
    (pool,) = stack.identity_pools.values()
    assert re.fullmatch(
        r"us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", pool.pool_id
    )
    assert pool.name == "guest-api-local-guests"
    assert pool.allow_unauthenticated is True
    assert pool.allow_classic_flow is False
    (role,) = stack.roles.values()
    assert pool.roles == {"unauthenticated": role.arn}


def test_guest_role_trusts_this_pool_and_may_invoke_only_get_demo(
    default: tuple[Stack, list[str]],
) -> None:
    stack = default[0]
    (role,) = stack.roles.values()
    (pool,) = stack.identity_pools.values()
    api = only_api(stack)
    assert re.fullmatch(r"guest-api-local-GuestRole-[A-Z0-9]{12}", role.name)
    assert role.arn == f"arn:aws:iam::{ACCOUNT}:role/{role.name}"
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", role.role_id)
    assert role.max_session_duration == 3600
    (trust,) = role.assume_role_policy["Statement"]
    assert trust["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"] == pool.pool_id
    assert trust["Condition"]["ForAnyValue:StringLike"] == {
        "cognito-identity.amazonaws.com:amr": "unauthenticated"
    }
    (policy,) = role.policies
    (statement,) = policy["Statement"]
    assert statement["Resource"] == (
        f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api.api_id}/dev/GET/demo"
    )


def test_outputs_are_resolved_as_aws_would(default: tuple[Stack, list[str]]) -> None:
    stack = default[0]
    api = only_api(stack)
    (pool,) = stack.identity_pools.values()
    (role,) = stack.roles.values()
    assert stack.outputs == {
        "ApiUrl": f"https://{api.api_id}.execute-api.us-east-1.amazonaws.com/dev",
        "IdentityPoolId": pool.pool_id,
        "GuestRoleArn": role.arn,
        "Region": "us-east-1",
        "AttestationMode": "off",
    }
    assert all(isinstance(v, str) and "${" not in v for v in stack.outputs.values())


def test_defaults_skip_nothing(default: tuple[Stack, list[str]]) -> None:
    # Every resource no service reads is warned of (test_a_real_type_the_stack_does_not_serve_...).
    _, warnings = default
    assert warnings == []


def test_each_deploy_gets_fresh_physical_ids(template_path: Path) -> None:
    first, _ = deploy(template_path)
    second, _ = deploy(template_path)
    assert set(first.rest_apis).isdisjoint(second.rest_apis)
    assert set(first.identity_pools).isdisjoint(second.identity_pools)


# --------------------------------------------------------------------------------------------
# Overrides change the deployed stack
# --------------------------------------------------------------------------------------------


def test_overrides_change_throttle_stage_origin_and_classic_flow(template_path: Path) -> None:
    stack, _ = deploy(
        template_path,
        overrides={
            "ThrottlingRateLimit": "50",
            "ThrottlingBurstLimit": "7",
            "StageName": "prod",
            "AllowedOrigin": "https://app.example.com",
            "AllowClassicFlow": "true",
        },
    )
    api = only_api(stack)
    assert set(api.stages) == {"prod"}
    assert api.stages["prod"].throttles == {"*/*": Throttle(rate_limit=50.0, burst_limit=7)}
    origin = api.gateway_responses["DEFAULT_4XX"].response_parameters[
        "gatewayresponse.header.Access-Control-Allow-Origin"
    ]
    assert origin == "'https://app.example.com'"
    get = api.resources[0].methods["GET"].integration
    assert get is not None
    assert get.responses[0].response_parameters == {
        "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'"
    }
    (pool,) = stack.identity_pools.values()
    assert pool.allow_classic_flow is True
    (role,) = stack.roles.values()
    assert role.policies[0]["Statement"][0]["Resource"].endswith(f":{api.api_id}/prod/GET/demo")
    assert stack.outputs["ApiUrl"].endswith("/prod")


def test_optional_hardening_resources_are_deployed_or_skipped_with_one_warning_each(
    template_path: Path,
) -> None:
    # The web ACL is deployed and guards the stage; only AWS's managed rules are not emulated.
    stack, warnings = deploy(template_path, overrides={"EnableWaf": "true"})
    (acl,) = stack.web_acls.values()
    assert acl.stages == ((only_api(stack).api_id, "dev"),)
    assert [(rule.name, rule.action) for rule in acl.rules] == [
        ("rate-limit-per-ip", "Block"),
        ("known-bad-inputs", "None"),
    ]
    assert warnings == [
        "WebAcl: rule known-bad-inputs: ManagedRuleGroupStatement is not emulated offline; "
        "it never matches"
    ]

    stack, warnings = deploy(template_path, overrides={"EnableAccessLogs": "true"})
    [warning] = warnings
    assert warning.startswith("AccessLogGroup (AWS::Logs::LogGroup) is not emulated: ")
    # The stage itself is still there, with the access-log setting resolved against the group.
    assert set(only_api(stack).stages) == {"dev"}


def test_region_and_partition_flow_into_ids_arns_and_the_url(template_path: Path) -> None:
    stack, _ = deploy(
        template_path,
        region="cn-north-1",  # its partition, aws-cn, comes from botocore's partition data
        account_id="210987654321",
        stack_name="other",
    )
    api = only_api(stack)
    (pool,) = stack.identity_pools.values()
    (role,) = stack.roles.values()
    assert (
        stack.outputs["ApiUrl"]
        == f"https://{api.api_id}.execute-api.cn-north-1.amazonaws.com.cn/dev"
    )
    assert pool.pool_id.startswith("cn-north-1:")
    assert role.arn.startswith("arn:aws-cn:iam::210987654321:role/other-GuestRole-")
    assert role.policies[0]["Statement"][0]["Resource"].startswith(
        "arn:aws-cn:execute-api:cn-north-1:210987654321:"
    )


# --------------------------------------------------------------------------------------------
# Failures: one line each
# --------------------------------------------------------------------------------------------


def assert_one_line_error(template: Any, fragment: str, **kwargs: Any) -> str:
    with pytest.raises(TemplateError) as caught:
        load_stack(template, warn=lambda _: None, **kwargs)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"StageNmae": "dev"}, "Parameters: [StageNmae] do not exist in the template"),
        (
            {"StageName": "no spaces"},
            "Parameter 'StageName' failed to satisfy constraint: letters, digits, hyphens",
        ),
        ({"AllowedOrigin": "https://app.example.com/path"}, "Parameter 'AllowedOrigin' failed"),
        ({"AllowClassicFlow": "yes"}, "Parameter 'AllowClassicFlow' must be one of AllowedValues"),
        ({"ThrottlingRateLimit": "ten"}, "Parameter 'ThrottlingRateLimit' must be a number"),
        ({"ThrottlingRateLimit": "0"}, "must be a number not less than 1"),
        ({"ThrottlingBurstLimit": "5001"}, "must be a number not greater than 5000"),
        ({"LogRetentionDays": "2"}, "Parameter 'LogRetentionDays' must be one of AllowedValues"),
    ],
)
def test_bad_overrides_fail_like_cloudformation(
    template_path: Path, overrides: dict[str, str], fragment: str
) -> None:
    assert_one_line_error(template_path, fragment, overrides=overrides)


def test_the_same_overrides_pass_when_valid(template_path: Path) -> None:
    # The positive twin of the test above: valid values of the same parameters deploy.
    stack, _ = deploy(
        template_path,
        overrides={
            "StageName": "v2_beta-1",
            "AllowedOrigin": "http://localhost:5173",
            "ThrottlingRateLimit": "0.5e1",
            "ThrottlingBurstLimit": "5000",
            "LogRetentionDays": "14",
        },
    )
    assert only_api(stack).stages["v2_beta-1"].throttles["*/*"] == Throttle(5.0, 5000)


@pytest.mark.parametrize(
    ("logical_id", "typo", "meant"),
    [
        ("IdentityPoolRoles", "AWS::Cognito::IdentityPoolRoleAtachment",
         "AWS::Cognito::IdentityPoolRoleAttachment"),
        ("IdentityPool", "AWS::Cognito::IdentityPol", "AWS::Cognito::IdentityPool"),
        ("Api", "AWS::Serverless::Apii", "AWS::Serverless::Api"),
    ],
)  # fmt: skip
def test_a_misspelled_resource_type_stops_the_deploy_naming_the_real_one(
    document: dict, logical_id: str, typo: str, meant: str
) -> None:
    # Once skipped as "not emulated": the stack started without the role attachment (guests
    # got no role), or failed later with advice about !Ref that had nothing to do with it.
    edited = copy.deepcopy(document)
    edited["Resources"][logical_id]["Type"] = typo
    message = assert_one_line_error(edited, f"Unrecognized resource types: [{typo}]")
    assert message.endswith(f"did you mean {meant}?")
    assert f"resource {logical_id}" in message


def test_a_misspelled_type_is_refused_even_under_a_false_condition(document: dict) -> None:
    # CloudFormation validates every resource's type before it evaluates a Condition.
    edited = copy.deepcopy(document)
    assert edited["Resources"]["WebAcl"]["Condition"]  # off with the default parameters
    edited["Resources"]["WebAcl"]["Type"] = "AWS::WAFv2::WebAcl"
    assert_one_line_error(edited, "did you mean AWS::WAFv2::WebACL?")


def test_a_real_type_the_stack_does_not_serve_is_one_warning_naming_what_is_missing(
    document: dict,
) -> None:
    edited = copy.deepcopy(document)
    edited["Resources"]["Topic"] = {"Type": "AWS::SNS::Topic"}
    edited["Resources"]["Custom"] = {"Type": "Custom::Seed", "Properties": {"ServiceToken": "x"}}
    _, warnings = deploy(edited)
    assert sorted(warnings) == [
        "Custom (Custom::Seed) is not emulated: no Custom::Seed; whatever it does on AWS does "
        "not happen offline",
        "Topic (AWS::SNS::Topic) is not emulated: no SNS Topic; whatever it does on AWS does "
        "not happen offline",
    ]


def test_a_region_aws_does_not_have_is_refused_naming_the_closest(template_path: Path) -> None:
    message = assert_one_line_error(
        template_path, "'eu-wst-1' is not an AWS region", region="eu-wst-1"
    )
    assert message.endswith("did you mean eu-west-1?")


def test_every_region_of_every_partition_deploys_with_its_partition(template_path: Path) -> None:
    stack, _ = deploy(template_path, region="us-gov-west-1")
    assert stack.partition == "aws-us-gov"
    assert next(iter(stack.roles)).startswith("arn:aws-us-gov:iam::")


def test_pattern_without_constraint_description_names_the_pattern(document: dict) -> None:
    edited = copy.deepcopy(document)
    del edited["Parameters"]["StageName"]["ConstraintDescription"]
    assert_one_line_error(
        edited,
        "Parameter 'StageName' must match pattern ^[A-Za-z0-9_-]{1,128}$",
        overrides={"StageName": "a/b"},
    )


def test_malformed_yaml(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources:\n  Api:\n    Type: [unclosed\n")
    message = assert_one_line_error(broken, "malformed YAML")
    assert message.startswith(str(broken))
    assert "line " in message


def test_missing_template_file(tmp_path: Path) -> None:
    assert_one_line_error(tmp_path / "nope.yaml", "not found: run from the repository root")


def test_sam_transform_failure_carries_the_translators_message(document: dict) -> None:
    edited = copy.deepcopy(document)
    # A typo in a SAM-only property: only the transform can catch it.
    responses = edited["Resources"]["Api"]["Properties"]["GatewayResponses"]
    responses["DEFAULT_4XX"]["ResponseParameter"] = responses["DEFAULT_4XX"].pop(
        "ResponseParameters"
    )
    message = assert_one_line_error(edited, "SAM transform failed")
    assert "Resource with id [Api] is invalid" in message
    assert "Invalid property 'ResponseParameter'" in message


def test_template_without_resources() -> None:
    assert_one_line_error({"Parameters": {}}, "no Resources section")


def test_unsupported_intrinsic_names_function_and_resource(document: dict) -> None:
    edited = copy.deepcopy(document)
    edited["Resources"]["GuestRole"]["Properties"]["Description"] = {"Fn::GetAZs": ""}
    message = assert_one_line_error(edited, "unsupported intrinsic function Fn::GetAZs")
    assert message.startswith("Resources.GuestRole:")


def test_circular_dependencies_are_refused() -> None:
    template = {
        "Resources": {
            "A": {"Type": "AWS::IAM::Role", "Properties": {"Description": {"Ref": "B"}}},
            "B": {"Type": "AWS::IAM::Role", "Properties": {"Description": {"Ref": "A"}}},
        }
    }
    assert_one_line_error(template, "Circular dependency between resources: [A, B]")


# --------------------------------------------------------------------------------------------
# Templates beyond ours: Swagger 2 with api-level security, explicit API Gateway resources
# --------------------------------------------------------------------------------------------

SWAGGER_TEMPLATE = """
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
Mappings:
  Limits:
    dev: {Rate: 3}
    prod: {Rate: 300}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        swagger: "2.0"
        info: {title: swagger-api}
        security: [{sigv4: []}]
        securityDefinitions:
          sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
        paths:
          /items/{id}:
            get:
              x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: "{}"}}
            post:
              security: []
              x-amazon-apigateway-integration: {type: http, passthroughBehavior: never}
            x-amazon-apigateway-any-method:
              x-amazon-apigateway-integration: {type: aws_proxy}
  Unauthorized:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: UNAUTHORIZED
      StatusCode: "401"
      ResponseParameters:
        gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties:
      RestApiId: !Ref Api
      StageName: !Ref Env
      StageDescription:
        Variables: {color: blue}
        MethodSettings:
          - ResourcePath: /*
            HttpMethod: "*"
            ThrottlingRateLimit: !FindInMap [Limits, !Ref Env, Rate]
            ThrottlingBurstLimit: 5
          - ResourcePath: /~1items~1{id}
            HttpMethod: GET
            ThrottlingBurstLimit: 1
  Role:
    Type: AWS::IAM::Role
    Properties:
      Path: /guests/
      AssumeRolePolicyDocument: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}'
      ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
  ExtraPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref Role]
      PolicyDocument:
        Version: 2012-10-17
        Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: !Sub "arn:${AWS::Partition}:execute-api:*:*:${Api}/*"}]
  ProdOnly:
    Type: AWS::Logs::LogGroup
    Condition: IsProd
Outputs:
  Root:
    Value: !GetAtt Api.RootResourceId
  ProdLogs:
    Condition: IsProd
    Value: !Ref ProdOnly
"""


def test_swagger_body_gateway_response_resource_and_deployment_stage(tmp_path: Path) -> None:
    path = tmp_path / "swagger.yaml"
    path.write_text(SWAGGER_TEMPLATE)
    stack, warnings = deploy(path)
    api = only_api(stack)
    assert api.name == "swagger-api"
    (items,) = api.resources
    assert items.path == "/items/{id}"
    methods = items.methods
    assert methods["GET"].authorization_type == "AWS_IAM"  # from the api-level security
    assert methods["POST"].authorization_type == "NONE"  # security: [] switches it off
    assert methods["ANY"].authorization_type == "AWS_IAM"
    assert methods["POST"].integration is not None
    assert methods["POST"].integration.type == "HTTP"
    assert methods["POST"].integration.passthrough_behavior == "NEVER"
    assert api.gateway_responses["UNAUTHORIZED"].status_code == "401"
    stage = api.stages["dev"]
    assert stage.variables == {"color": "blue"}
    assert stage.throttles == {
        "*/*": Throttle(3.0, 5),
        method_setting_key("/items/{id}", "GET"): Throttle(10000.0, 1),
    }
    (role,) = stack.roles.values()
    assert role.arn == f"arn:aws:iam::{ACCOUNT}:role/guests/{role.name}"
    assert role.assume_role_policy["Statement"][0]["Action"] == "sts:AssumeRoleWithWebIdentity"
    (extra,) = role.policies  # attached by the AWS::IAM::Policy resource
    assert role.policy_names == ("extra",)  # its PolicyName, as SimulatePrincipalPolicy names it
    assert extra["Version"] == "2012-10-17"  # a YAML date read as CloudFormation reads it
    assert extra["Statement"][0]["Resource"] == f"arn:aws:execute-api:*:*:{api.api_id}/*"
    assert any("managed policies are not emulated" in w for w in warnings)
    assert re.fullmatch(r"[a-z0-9]{10}", stack.outputs["Root"])
    assert "ProdLogs" not in stack.outputs
    assert not any("is not emulated:" in w for w in warnings)

    prod, warned = deploy(path, overrides={"Env": "prod"})
    assert only_api(prod).stages["prod"].throttles["*/*"] == Throttle(300.0, 5)
    assert [w for w in warned if "is not emulated:" in w] == [
        "ProdOnly (AWS::Logs::LogGroup) is not emulated: no log group; its lines (access log, "
        "function log) go to the offline stack's own log"
    ]
    assert prod.outputs["ProdLogs"].startswith("guest-api-local-ProdOnly-")


def test_resource_and_method_resources_build_the_routes() -> None:
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "explicit"}},
            "Items": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "PathPart": "items",
                },
            },
            "Item": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ParentId": {"Ref": "Items"},
                    "PathPart": "{id}",
                },
            },
            "GetItem": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ResourceId": {"Ref": "Item"},
                    "HttpMethod": "get",
                    "AuthorizationType": "AWS_IAM",
                    "Integration": {
                        "Type": "MOCK",
                        "RequestTemplates": {"application/json": '{"statusCode": 200}'},
                        "IntegrationResponses": [
                            {"StatusCode": 200, "ResponseTemplates": {"application/json": "{}"}},
                            {"SelectionPattern": "4\\d{2}", "StatusCode": "404"},
                        ],
                    },
                },
            },
        }
    }
    stack, _ = deploy(template)
    (item,) = only_api(stack).resources
    assert item.path == "/items/{id}"
    method = item.methods["GET"]
    assert method.authorization_type == "AWS_IAM"
    assert method.integration is not None
    assert [(r.selection_pattern, r.status_code) for r in method.integration.responses] == [
        ("default", "200"),
        ("4\\d{2}", "404"),
    ]


@pytest.mark.parametrize(
    ("resource_path", "method", "key"),
    [("/demo", "GET", "~1demo/GET"), ("/a/{b}", "post", "~1a~1{b}/POST"), ("/", "GET", "/GET")],
)
def test_method_setting_key_matches_the_keys_deploy_writes(
    resource_path: str, method: str, key: str
) -> None:
    assert method_setting_key(resource_path, method) == key


def test_the_model_follows_the_template_not_a_fixed_answer(document: dict) -> None:
    # Each protection of template.yaml, removed in a copy, disappears from the deployed model.
    edited = copy.deepcopy(document)
    del edited["Resources"]["Api"]["Properties"]["Auth"]
    edited["Resources"]["IdentityPool"]["Properties"]["AllowUnauthenticatedIdentities"] = False
    trust = edited["Resources"]["GuestRole"]["Properties"]["AssumeRolePolicyDocument"]
    del trust["Statement"][0]["Condition"]["StringEquals"]
    invoke = edited["Resources"]["GuestRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    invoke["Statement"][0]["Resource"] = {"Fn::Sub": "arn:${AWS::Partition}:execute-api:*:*:*"}
    del edited["Resources"]["Api"]["Properties"]["MethodSettings"]

    stack, _ = deploy(edited)
    api = only_api(stack)
    assert api.resources[0].methods["GET"].authorization_type == "NONE"
    assert api.stages["dev"].throttles == {}
    (pool,) = stack.identity_pools.values()
    assert pool.allow_unauthenticated is False
    (role,) = stack.roles.values()
    assert "StringEquals" not in role.assume_role_policy["Statement"][0]["Condition"]
    assert role.policies[0]["Statement"][0]["Resource"] == "arn:aws:execute-api:*:*:*"


def test_a_pool_without_allow_classic_flow_leaves_it_unset(tmp_path: Path) -> None:
    # AWS issues OpenID tokens for such a pool; only an explicit false refuses them.
    template = {
        "Resources": {
            "Pool": {
                "Type": "AWS::Cognito::IdentityPool",
                "Properties": {"AllowUnauthenticatedIdentities": True},
            }
        }
    }
    (pool,) = load_stack(template).identity_pools.values()
    assert pool.allow_classic_flow is None


SAM_PUBLIC_ROUTE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth: {DefaultAuthorizer: AWS_IAM}
  Open:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: fn/
      Events:
        Signed:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /signed, Method: get}
        Public:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /open, Method: get, Auth: {Authorizer: NONE}}
"""


def test_sam_authorizer_none_deploys_an_open_method(tmp_path: Path) -> None:
    # SAM writes `security: [{NONE: []}]` without defining a NONE scheme; API Gateway leaves
    # the method without authorization, and so must the offline stack.
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    path = tmp_path / "public.yaml"
    path.write_text(SAM_PUBLIC_ROUTE)
    stack, _ = deploy(path)
    methods = {r.path: r.methods for r in only_api(stack).resources}
    assert methods["/open"]["GET"].authorization_type == "NONE"
    assert methods["/signed"]["GET"].authorization_type == "AWS_IAM"


def test_an_undefined_security_scheme_other_than_sams_none_is_refused(tmp_path: Path) -> None:
    template = yaml_parse(SWAGGER_TEMPLATE)
    body = template["Resources"]["Api"]["Properties"]["Body"]
    body["paths"]["/items/{id}"]["get"]["security"] = [{"sigv4typo": []}]
    assert_one_line_error(template, "security scheme 'sigv4typo' is not defined")


def test_a_functions_logging_config_names_its_log_group(template_path: Path) -> None:
    # The attestation function logs to its own group (retention); its context says so.
    stack, _ = deploy(template_path, overrides={"AttestationMode": "monitor"}, stack_name="st")
    (function,) = stack.functions.values()
    assert function.log_group_name == "/aws/lambda/st-attestation"
