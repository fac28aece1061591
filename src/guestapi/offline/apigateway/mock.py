"""The MOCK integration: the request template picks a status, the integration response maps it.

API Gateway's "Set up mock integrations" guide: the request template's `statusCode` selects
the integration response, whose templates and header mappings make the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from guestapi.offline.apigateway import responses as gr
from guestapi.offline.apigateway import vtl
from guestapi.offline.apigateway.call import Call, Refusal
from guestapi.offline.apigateway.context import vtl_request
from guestapi.offline.apigateway.errors import ResponseType
from guestapi.offline.apigateway.model import Integration, IntegrationResponse, RestApi
from guestapi.offline.apigateway.router import Route
from guestapi.offline.wire import Response


def configuration_error(reason: str) -> Refusal:
    return Refusal(
        gr.GatewayError(
            ResponseType.API_CONFIGURATION_ERROR,
            gr.INTERNAL_SERVER_ERROR,
            reason=reason,
            template=gr.INTERNAL_ERROR_TEMPLATE,
        )
    )


class MockIntegration:
    def __init__(self, apis: Mapping[str, RestApi]) -> None:
        # Whether each integration's templates or mappings read the request at all, decided
        # once here rather than on every call: parsing a presigned URL's long query for
        # templates that never look at it was a measurable share of each request.
        self._reads_request = {
            id(method.integration): _reads_request(method.integration)
            for api in apis.values()
            for resource in api.resources
            for method in resource.methods.values()
            if method.integration is not None
        }

    def run(self, call: Call, route: Route, context: dict[str, Any]) -> Response:
        integration = route.method.integration
        assert integration is not None
        vrequest = vtl_request(call, route, parse=self._reads_request[id(integration)])
        status = _mock_status(integration, call, context, vrequest)
        chosen = select_response(integration.responses, str(status))
        if chosen is None:
            raise configuration_error(
                f"no integration response matches status {status} and none is default"
            )
        headers: list[tuple[str, str]] = []
        body = b""
        content_type = "application/json"
        if chosen.response_templates:
            content_type, template = gr.pick_template(
                chosen.response_templates, call.request.header("accept")
            )
            body = vtl.render(template, context=context, request=vrequest).encode()
        headers.append(("Content-Type", content_type))
        prefix = "method.response.header."
        for name, expression in chosen.response_parameters.items():
            if name.startswith(prefix):
                headers.append((name[len(prefix) :], _mapping_value(expression, context, vrequest)))
        return Response(int(chosen.status_code), headers, body)


def _mock_status(
    integration: Integration, call: Call, context: dict[str, Any], vrequest: vtl.VtlRequest
) -> int:
    """A MOCK integration's status is the `statusCode` of the rendered request template."""
    content_type = (call.request.header("content-type") or "application/json").split(";")[0]
    template = integration.request_templates.get(content_type.strip().lower())
    behavior = integration.passthrough_behavior.upper()
    if template is None:
        if behavior == "NEVER" or (
            behavior == "WHEN_NO_TEMPLATES" and integration.request_templates
        ):
            raise Refusal(
                gr.GatewayError(ResponseType.UNSUPPORTED_MEDIA_TYPE, gr.UNSUPPORTED_MEDIA_TYPE)
            )
        rendered = call.request.body.decode("utf-8", "replace")
    else:
        rendered = vtl.render(template, context=context, request=vrequest)
    status = _known_status(rendered) if len(rendered) <= 256 else _status_code(rendered)
    if status is None:
        raise configuration_error("MOCK request template produced no integer statusCode")
    return status


def _status_code(rendered: str) -> int | None:
    try:
        return int(json.loads(rendered)["statusCode"])
    except (ValueError, KeyError, TypeError):
        return None


# Bounded and pure: most MOCK request templates are constant ({"statusCode": 200}), and only
# short texts are kept (a passed-through body can be megabytes).
_known_status = lru_cache(maxsize=256)(_status_code)


def _reads_request(integration: Integration) -> bool:
    """Only a template that mentions $input, or a method.request.* mapping, reads the request."""
    templates = [
        *integration.request_templates.values(),
        *(t for r in integration.responses for t in r.response_templates.values()),
    ]
    return any("$input" in t for t in templates) or any(
        v.startswith("method.request.")
        for r in integration.responses
        for v in r.response_parameters.values()
    )


def select_response(
    responses: tuple[IntegrationResponse, ...], status: str
) -> IntegrationResponse | None:
    default = None
    for response in responses:
        if response.selection_pattern == "default":
            default = response
        elif re.fullmatch(response.selection_pattern, status, flags=re.DOTALL):
            return response
    return default


def _mapping_value(expression: str, context: Mapping[str, Any], request: vtl.VtlRequest) -> str:
    """A method-response header mapping: static value, context variable or request parameter."""
    prefix = "method.request."
    if expression.startswith(prefix):
        source, _, name = expression[len(prefix) :].partition(".")
        lookup: Mapping[str, str] = {
            "header": {k.lower(): v for k, v in request.headers.items()},
            "querystring": request.query,
            "path": request.path_params,
        }.get(source, {})
        return lookup.get(name.lower() if source == "header" else name, "")
    return gr.static_or_context_value(expression, context)
