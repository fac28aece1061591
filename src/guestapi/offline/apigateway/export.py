"""GetExport for the offline stack: a stage's API as OpenAPI 3.0 with the API Gateway extensions.

Built from the deployed model (`model.py` records), not from the template, so it shows what the
offline gateway actually serves: the SAM transform's additions (OPTIONS from `Cors`, `security`
from `Auth.DefaultAuthorizer`) included. The shape follows API Gateway's own oas30 export with
`extensions=apigateway`: AWS_IAM methods name a `sigv4` scheme of type apiKey with
`x-amazon-apigateway-authtype: awsSigv4`, and each method carries its
`x-amazon-apigateway-integration` (type and passthrough behaviour in lower case, as exported).
"""

from __future__ import annotations

from typing import Any

from guestapi.offline.apigateway.model import Integration, Method, RestApi

SIGV4_SCHEME = "sigv4"
SIGV4_SECURITY_SCHEME = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}


def _integration(integration: Integration) -> dict[str, Any]:
    out: dict[str, Any] = {"type": integration.type.lower()}
    if integration.uri:
        out["uri"] = integration.uri
        out["httpMethod"] = "POST"  # Lambda integrations are always invoked with POST
    if integration.credentials:
        out["credentials"] = integration.credentials
    if integration.request_templates:
        out["requestTemplates"] = dict(integration.request_templates)
    out["passthroughBehavior"] = integration.passthrough_behavior.lower()
    responses = {}
    for response in integration.responses:
        entry: dict[str, Any] = {"statusCode": response.status_code}
        if response.response_parameters:
            entry["responseParameters"] = dict(response.response_parameters)
        if response.response_templates:
            entry["responseTemplates"] = dict(response.response_templates)
        responses[response.selection_pattern] = entry
    if responses:
        out["responses"] = responses
    return out


def _operation(method: Method) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    statuses = (
        sorted({r.status_code for r in method.integration.responses}) if method.integration else []
    )
    operation["responses"] = {s: {"description": f"{s} response"} for s in statuses} or {
        "default": {"description": "default response"}
    }
    if method.authorization_type == "AWS_IAM":
        operation["security"] = [{SIGV4_SCHEME: []}]
    elif method.authorization_type != "NONE":
        operation["security"] = [{method.authorization_type: []}]
    if method.integration is not None:
        operation["x-amazon-apigateway-integration"] = _integration(method.integration)
    return operation


def openapi_export(api: RestApi, stage: str, server_url: str) -> dict[str, Any]:
    """The stage `stage` of `api` as API Gateway's oas30 export; `server_url` is the stage URL."""
    if stage not in api.stages:
        raise KeyError(f"the API has no stage {stage!r} (it has: {', '.join(sorted(api.stages))})")
    paths: dict[str, dict[str, Any]] = {}
    for resource in sorted(api.resources, key=lambda r: r.path):
        if not resource.methods:
            continue
        operations = paths.setdefault(resource.path, {})
        for http_method, method in sorted(resource.methods.items()):
            key = "x-amazon-apigateway-any-method" if http_method == "ANY" else http_method.lower()
            operations[key] = _operation(method)
    document: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": api.name, "version": api.stages[stage].deployment_id or "offline"},
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": paths,
    }
    if any("security" in op for ops in paths.values() for op in ops.values()):
        document["components"] = {"securitySchemes": {SIGV4_SCHEME: dict(SIGV4_SECURITY_SCHEME)}}
    if api.binary_media_types:
        # "The extension is also used to export the API settings" (docs/aws-behaviour.md).
        document["x-amazon-apigateway-binary-media-types"] = list(api.binary_media_types)
    if api.gateway_responses:
        document["x-amazon-apigateway-gateway-responses"] = {
            kind: {
                **({"statusCode": r.status_code} if r.status_code else {}),
                **(
                    {"responseParameters": dict(r.response_parameters)}
                    if r.response_parameters
                    else {}
                ),
                **(
                    {"responseTemplates": dict(r.response_templates)}
                    if r.response_templates
                    else {}
                ),
            }
            for kind, r in sorted(api.gateway_responses.items())
        }
    return document
