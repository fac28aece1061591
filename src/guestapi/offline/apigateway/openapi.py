"""Import of an OpenAPI body (what SAM generates) into API Gateway's model, as ImportRestApi does.

The one Integration parser lives here: an `x-amazon-apigateway-integration` object (camelCase,
responses keyed by selection pattern). `cfn.py` turns an `AWS::ApiGateway::Method`'s
PascalCase Integration into that same form first, so both sources go through one parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from guestapi.offline.apigateway.model import (
    GatewayResponse,
    Integration,
    IntegrationResponse,
    Method,
    Resource,
)
from guestapi.offline.cfn.resources import strings
from guestapi.template import TemplateError, openapi
from guestapi.template.reading import yaml_problem


def parse_body(body: Any, logical_id: str) -> Any:
    """A RestApi Body given as a JSON/YAML string, parsed; a mapping as it is."""
    if not isinstance(body, str):
        return body
    try:
        return yaml.safe_load(body)
    except yaml.YAMLError as error:
        raise TemplateError(
            f"{logical_id}: Body is not valid JSON/YAML: {yaml_problem(error)}"
        ) from None


def resources_from_openapi(body: Mapping[str, Any], logical_id: str) -> list[Resource]:
    schemes = openapi.security_schemes(body)
    resources = []
    for path, operations in openapi.paths(body):
        methods: dict[str, Method] = {}
        for operation in operations:
            where = f"{logical_id} {operation.method} {path}"
            integration = operation.spec.get("x-amazon-apigateway-integration")
            methods[operation.method] = Method(
                http_method=operation.method,
                authorization_type=_authorization_type(operation.security, schemes, where),
                integration=None if integration is None else integration_from(integration),
            )
        resources.append(Resource(path=path, methods=methods))
    return resources


def _authorization_type(security: Any, schemes: Mapping[str, Any], where: str) -> str:
    """API Gateway's authorizationType for an operation's OpenAPI security requirement."""
    for requirement in security:
        for scheme_name in requirement or {}:
            scheme = schemes.get(scheme_name)
            if scheme is None and scheme_name == openapi.SAM_NO_AUTH_SCHEME:
                # SAM writes `security: [{NONE: []}]` for `Auth: Authorizer: NONE` and never
                # defines the scheme; API Gateway's importer skips it, leaving the method open.
                continue
            if not isinstance(scheme, dict):
                raise TemplateError(f"{where}: security scheme {scheme_name!r} is not defined")
            if openapi.is_sigv4(scheme):
                return "AWS_IAM"
            authorizer = scheme.get("x-amazon-apigateway-authorizer")
            if isinstance(authorizer, dict):
                kind = str(authorizer.get("type", "")).lower()
                return "COGNITO_USER_POOLS" if kind == "cognito_user_pools" else "CUSTOM"
            # Anything else (the api_key scheme) asks for an API key, not an authorizer.
    return "NONE"


def integration_from(spec: Mapping[str, Any]) -> Integration:
    """An `x-amazon-apigateway-integration` object as API Gateway's Integration."""
    return Integration(
        type=str(spec.get("type", "")).upper(),
        uri=str(spec.get("uri") or ""),
        credentials=str(spec.get("credentials") or ""),
        request_templates=strings(spec.get("requestTemplates")),
        passthrough_behavior=str(spec.get("passthroughBehavior") or "when_no_match").upper(),
        responses=tuple(
            IntegrationResponse(
                selection_pattern=str(pattern),
                status_code=str(response.get("statusCode", "")),
                response_parameters=strings(response.get("responseParameters")),
                response_templates=strings(response.get("responseTemplates")),
            )
            for pattern, response in (spec.get("responses") or {}).items()
        ),
    )


def gateway_responses_from_openapi(body: Mapping[str, Any]) -> list[GatewayResponse]:
    responses = body.get("x-amazon-apigateway-gateway-responses") or {}
    return [gateway_response(str(kind), spec or {}) for kind, spec in responses.items()]


def gateway_response(response_type: str, spec: Mapping[str, Any]) -> GatewayResponse:
    """A gateway response from its OpenAPI form (camelCase keys)."""
    status = spec.get("statusCode")
    return GatewayResponse(
        response_type=response_type,
        status_code=None if status in (None, "") else str(status),
        response_parameters=strings(spec.get("responseParameters")),
        response_templates=strings(spec.get("responseTemplates")),
    )
