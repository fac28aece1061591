"""CloudFormation mapping of API Gateway: RestApi (OpenAPI body or Resource/Method resources),
Deployment, Stage and GatewayResponse, imported the way API Gateway imports them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from guestapi.offline.apigateway.binary_media import normalized
from guestapi.offline.apigateway.model import (
    GatewayResponse,
    Method,
    Resource,
    RestApi,
    Stage,
    Throttle,
)
from guestapi.offline.apigateway.openapi import (
    gateway_response,
    gateway_responses_from_openapi,
    integration_from,
    parse_body,
    resources_from_openapi,
)
from guestapi.offline.cfn.resources import LOWER_ALNUM, Created, Deployed, Environment, random_id
from guestapi.template import TemplateError
from guestapi.template.openapi import REST_API

STAGE = "AWS::ApiGateway::Stage"
DEPLOYMENT = "AWS::ApiGateway::Deployment"
RESOURCE = "AWS::ApiGateway::Resource"
METHOD = "AWS::ApiGateway::Method"
GATEWAY_RESPONSE = "AWS::ApiGateway::GatewayResponse"
CONSUMES = frozenset({REST_API, STAGE, DEPLOYMENT, RESOURCE, METHOD, GATEWAY_RESPONSE})

BINARY_MEDIA_TYPES = "x-amazon-apigateway-binary-media-types"
# API Gateway's account-level throttle, used for a MethodSetting that sets only one of the two.
ACCOUNT_RATE_LIMIT = 10000.0
ACCOUNT_BURST_LIMIT = 5000


# ---------------------------------------------------------------------------- physical ids
def rest_api_id(created: Created, env: Environment) -> None:
    created.physical_id = random_id(LOWER_ALNUM, 10)
    created.attributes["RestApiId"] = created.physical_id
    created.attributes["RootResourceId"] = random_id(LOWER_ALNUM, 10)


def stage_id(created: Created, env: Environment) -> None:
    created.physical_id = str(created.properties.get("StageName", ""))


def deployment_id(created: Created, env: Environment) -> None:
    created.physical_id = random_id(LOWER_ALNUM, 6)
    created.attributes["DeploymentId"] = created.physical_id


def resource_id(created: Created, env: Environment) -> None:
    created.physical_id = random_id(LOWER_ALNUM, 6)
    created.attributes["ResourceId"] = created.physical_id


# ---------------------------------------------------------------------------- the model
def build_rest_apis(deployed: Deployed, built: Mapping[str, Any]) -> dict[str, RestApi]:
    apis = {c.physical_id: c for c in deployed.of_type(REST_API)}
    resources: dict[str, dict[str, Resource]] = {api_id: {} for api_id in apis}
    responses: dict[str, dict[str, GatewayResponse]] = {api_id: {} for api_id in apis}
    for api_id, created in apis.items():
        body = parse_body(created.properties.get("Body"), created.logical_id)
        if body is None and created.properties.get("BodyS3Location"):
            raise TemplateError(
                f"{created.logical_id}: BodyS3Location needs S3; inline the definition "
                "(SAM DefinitionBody) for the offline stack"
            )
        if body is not None:
            for resource in resources_from_openapi(body, created.logical_id):
                resources[api_id][resource.path] = resource
            for response in gateway_responses_from_openapi(body):
                responses[api_id][response.response_type] = response
    binary = {api_id: _binary_media_types(created) for api_id, created in apis.items()}
    _add_method_resources(deployed, apis, resources)
    _add_gateway_responses(deployed, responses)
    stages = _stages(deployed, apis)
    return {
        api_id: RestApi(
            logical_id=created.logical_id,
            api_id=api_id,
            name=_api_name(created),
            resources=tuple(resources[api_id].values()),
            stages=stages[api_id],
            gateway_responses=responses[api_id],
            binary_media_types=binary[api_id],
        )
        for api_id, created in apis.items()
    }


def _binary_media_types(created: Created) -> tuple[str, ...]:
    """The RestApi's BinaryMediaTypes with its body's x-amazon-apigateway-binary-media-types
    (SAM's BinaryMediaTypes writes both)."""
    body = parse_body(created.properties.get("Body"), created.logical_id) or {}
    listed = [created.properties.get("BinaryMediaTypes"), body.get(BINARY_MEDIA_TYPES)]
    for value in listed:
        if value is not None and not isinstance(value, list):
            raise TemplateError(f"{created.logical_id}: binary media types must be a list")
    return normalized(media_type for value in listed for media_type in value or ())


def _api_name(created: Created) -> str:
    body = parse_body(created.properties.get("Body"), created.logical_id) or {}
    return str(created.properties.get("Name") or body.get("info", {}).get("title", ""))


def _add_gateway_responses(
    deployed: Deployed, responses: dict[str, dict[str, GatewayResponse]]
) -> None:
    for created, api_id in _of_known_apis(deployed, GATEWAY_RESPONSE, responses):
        props = created.properties
        response = gateway_response(
            str(props.get("ResponseType")),
            {
                "statusCode": props.get("StatusCode"),
                "responseParameters": props.get("ResponseParameters"),
                "responseTemplates": props.get("ResponseTemplates"),
            },
        )
        # Applied after the body import, so it wins over the body's definition.
        responses[api_id][response.response_type] = response


def _of_known_apis(
    deployed: Deployed, resource_type: str, apis: Mapping[str, Any]
) -> Iterator[tuple[Created, str]]:
    """Resources of `resource_type` with the id of their API; others skipped with a warning."""
    for created in deployed.of_type(resource_type):
        api_id = str(created.properties.get("RestApiId", ""))
        if api_id in apis:
            yield created, api_id
        else:
            deployed.env.warn(
                f"skipping {created.logical_id}: RestApiId {api_id} is not in this stack"
            )


def _stages(deployed: Deployed, apis: Mapping[str, Created]) -> dict[str, dict[str, Stage]]:
    stages: dict[str, dict[str, Stage]] = {api_id: {} for api_id in apis}
    for created in deployed.of_type(DEPLOYMENT):
        # A Deployment with StageName creates that stage itself.
        props = created.properties
        api_id = str(props.get("RestApiId", ""))
        if props.get("StageName") and api_id in stages:
            description = props.get("StageDescription") or {}
            name = str(props["StageName"])
            stages[api_id][name] = Stage(
                name=name,
                throttles=_throttles(_deployment_settings(description), created.logical_id),
                variables={str(k): str(v) for k, v in (description.get("Variables") or {}).items()},
                deployment_id=created.physical_id,
                access_log_format=_access_log_format(description),
            )
    for created, api_id in _of_known_apis(deployed, STAGE, stages):
        props = created.properties
        name = str(props.get("StageName", ""))
        stages[api_id][name] = Stage(
            name=name,
            throttles=_throttles(props.get("MethodSettings") or [], created.logical_id),
            variables={str(k): str(v) for k, v in (props.get("Variables") or {}).items()},
            deployment_id=str(props.get("DeploymentId", "")),
            access_log_format=_access_log_format(props),
        )
    return stages


def _access_log_format(props: Mapping[str, Any]) -> str:
    """A Stage's (or a StageDescription's) AccessLogSetting.Format; "" without one."""
    setting = props.get("AccessLogSetting") or {}
    return str(setting.get("Format") or "") if isinstance(setting, Mapping) else ""


def _deployment_settings(description: Mapping[str, Any]) -> list[Any]:
    """A StageDescription's MethodSettings, its stage-wide throttle first as the "*/*" entry."""
    settings = list(description.get("MethodSettings") or [])
    limits = {
        k: description[k]
        for k in ("ThrottlingRateLimit", "ThrottlingBurstLimit")
        if k in description
    }
    if limits:
        settings.insert(0, {"ResourcePath": "/*", "HttpMethod": "*", **limits})
    return settings


def _resource_paths(deployed: Deployed, apis: Mapping[str, Created]) -> dict[str, str]:
    """Resource id -> path, for APIs written as AWS::ApiGateway::Resource resources."""
    paths = {created.attributes["RootResourceId"]: "/" for created in apis.values()}
    pending = deployed.of_type(RESOURCE)
    while pending:
        ready = [c for c in pending if str(c.properties.get("ParentId", "")) in paths]
        if not ready:
            names = ", ".join(c.logical_id for c in pending)
            raise TemplateError(f"API Gateway resources with an unknown ParentId: {names}")
        for created in ready:
            prefix = paths[str(created.properties["ParentId"])].rstrip("/")
            paths[created.physical_id] = f"{prefix}/{created.properties.get('PathPart', '')}"
            pending.remove(created)
    return paths


def _add_method_resources(
    deployed: Deployed, apis: Mapping[str, Created], resources: dict[str, dict[str, Resource]]
) -> None:
    """APIs written as AWS::ApiGateway::Resource + AWS::ApiGateway::Method resources."""
    paths = _resource_paths(deployed, apis)
    for created in deployed.of_type(METHOD):
        props = created.properties
        api_id = str(props.get("RestApiId", ""))
        path = paths.get(str(props.get("ResourceId", "")))
        if api_id not in apis or path is None:
            deployed.env.warn(
                f"skipping {created.logical_id}: its RestApiId or ResourceId is not in this stack"
            )
            continue
        integration = props.get("Integration")
        method = Method(
            http_method=str(props.get("HttpMethod", "")).upper(),
            authorization_type=str(props.get("AuthorizationType") or "NONE").upper(),
            integration=None
            if integration is None
            else integration_from(_openapi_form(integration)),
        )
        existing = resources[api_id].get(path)
        methods = dict(existing.methods) if existing else {}
        methods[method.http_method] = method
        resources[api_id][path] = Resource(path=path, methods=methods)


def _openapi_form(integration: Mapping[str, Any]) -> dict[str, Any]:
    """An AWS::ApiGateway::Method Integration (PascalCase) as the OpenAPI extension writes it."""
    return {
        "type": integration.get("Type", ""),
        "uri": integration.get("Uri"),
        "credentials": integration.get("Credentials"),
        "requestTemplates": integration.get("RequestTemplates"),
        "passthroughBehavior": integration.get("PassthroughBehavior"),
        "responses": {
            str(r.get("SelectionPattern") or "default"): {
                "statusCode": r.get("StatusCode", ""),
                "responseParameters": r.get("ResponseParameters"),
                "responseTemplates": r.get("ResponseTemplates"),
            }
            for r in integration.get("IntegrationResponses") or []
        },
    }


def _throttles(settings: list[Any], logical_id: str) -> dict[str, Throttle]:
    throttles: dict[str, Throttle] = {}
    for setting in settings:
        rate = setting.get("ThrottlingRateLimit")
        burst = setting.get("ThrottlingBurstLimit")
        if rate is None and burst is None:
            continue  # a metrics/logging-only setting
        key = _setting_key(
            str(setting.get("ResourcePath", "")), str(setting.get("HttpMethod", "")), logical_id
        )
        throttles[key] = Throttle(
            rate_limit=ACCOUNT_RATE_LIMIT if rate is None else float(rate),
            burst_limit=ACCOUNT_BURST_LIMIT if burst is None else int(float(burst)),
        )
    return throttles


def _setting_key(resource_path: str, http_method: str, logical_id: str) -> str:
    """API Gateway's methodSettings key for a MethodSetting (see model.method_setting_key)."""
    if not (resource_path in ("/", "/*") or resource_path.startswith("/~1")):
        raise TemplateError(
            f"{logical_id}: MethodSettings ResourcePath {resource_path!r} must be '/*', '/' or "
            "the resource path with its slashes written ~1 (e.g. '/~1demo' for /demo)"
        )
    return f"{resource_path[1:]}/{http_method.upper()}"
