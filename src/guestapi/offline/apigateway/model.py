"""API Gateway's part of a deployed stack: REST APIs, their resources, methods and stages.

`apigateway/cfn.py` builds these records from the transformed, resolved template; the pipeline
only reads them. Every value is already resolved: no intrinsic functions remain.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IntegrationResponse:
    """One entry of `x-amazon-apigateway-integration.responses`."""

    # The key of the responses map: "default" or a regex matched against the integration's
    # error/status (for MOCK: the status code chosen by the request template).
    selection_pattern: str
    status_code: str
    # e.g. {"method.response.header.Access-Control-Allow-Origin": "'*'"}
    response_parameters: dict[str, str] = field(default_factory=dict)
    # content type -> VTL template
    response_templates: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Integration:
    type: str  # "MOCK", "HTTP", "AWS_PROXY", ... (upper case)
    # The integration's target: for AWS_PROXY to Lambda, the function's invocation ARN
    # (arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations).
    uri: str = ""
    # The role API Gateway calls the integration with: a role ARN, "arn:aws:iam::*:user/*" for
    # the caller's own credentials (what SAM writes for AWS_IAM methods unless InvokeRole: NONE),
    # or "" for none (the function's resource-based policy must allow API Gateway).
    credentials: str = ""
    request_templates: dict[str, str] = field(default_factory=dict)
    passthrough_behavior: str = "WHEN_NO_MATCH"
    responses: tuple[IntegrationResponse, ...] = ()


@dataclass(frozen=True)
class Method:
    http_method: str  # "GET", "POST", ..., or "ANY"
    # "NONE" or "AWS_IAM" (other authorizer types are kept by name and refused at request time)
    authorization_type: str
    integration: Integration | None


@dataclass(frozen=True)
class Resource:
    path: str  # OpenAPI path as written: "/demo", "/items/{id}", "/{proxy+}"
    methods: dict[str, Method]  # upper-case http method (or "ANY") -> Method


@dataclass(frozen=True)
class Throttle:
    rate_limit: float  # requests per second (token refill rate)
    burst_limit: int  # bucket size


def method_setting_key(resource_path: str, http_method: str) -> str:
    """The key API Gateway gives a method's entry in a stage's methodSettings.

    The MethodSetting's ResourcePath (docs/aws-behaviour.md#throttling) without its leading "/",
    then "/" and the method: ("/demo", "GET") -> "~1demo/GET", ("/", "GET") -> "/GET"; "*/*"
    is the stage-wide entry.
    """
    encoded = "" if resource_path == "/" else resource_path.replace("/", "~1")
    return f"{encoded}/{http_method.upper()}"


@dataclass(frozen=True)
class Stage:
    name: str
    # MethodSettings keyed as API Gateway keys them (see `method_setting_key`): "*/*" for the
    # stage-wide default, "~1demo/GET" for GET /demo, ... -> throttle
    throttles: dict[str, Throttle] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    deployment_id: str = ""  # physical id of the AWS::ApiGateway::Deployment it serves
    # AccessLogSetting.Format: one line of $context variables per call ("" = no access log).
    # Its DestinationArn is not kept: the lines go to the offline stack's log instead.
    access_log_format: str = ""


@dataclass(frozen=True)
class GatewayResponse:
    """A customised gateway response (`x-amazon-apigateway-gateway-responses` entry)."""

    response_type: str  # DEFAULT_4XX, MISSING_AUTHENTICATION_TOKEN, ...
    status_code: str | None = None
    # e.g. {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}
    response_parameters: dict[str, str] = field(default_factory=dict)
    response_templates: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RestApi:
    logical_id: str
    api_id: str  # 10 lowercase alphanumerics, like AWS
    name: str
    resources: tuple[Resource, ...]
    stages: dict[str, Stage]
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)
    # binaryMediaTypes, "/" already unescaped ("image/png", "*/*"): see binary_media.py
    binary_media_types: tuple[str, ...] = ()
