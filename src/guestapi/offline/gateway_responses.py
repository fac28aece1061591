"""API Gateway's gateway responses: the documented defaults and how a template's overrides apply.

Source: "Gateway response types for API Gateway" (API Gateway developer guide). A response type
that the API does not customise falls back to DEFAULT_4XX / DEFAULT_5XX by its status class:
their response parameters and templates apply, and a status code set on them replaces the
type's own status code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from guestapi.offline.model import GatewayResponse

# Response type -> (default status code, x-amzn-ErrorType header value)
DEFAULTS: dict[str, tuple[int, str]] = {
    "ACCESS_DENIED": (403, "AccessDeniedException"),
    "API_CONFIGURATION_ERROR": (500, "InternalServerErrorException"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "AuthorizerConfigurationException"),
    "AUTHORIZER_FAILURE": (500, "AuthorizerFailureException"),
    "BAD_REQUEST_PARAMETERS": (400, "BadRequestException"),
    "BAD_REQUEST_BODY": (400, "BadRequestException"),
    # The fallbacks, used directly for refusals that have no type of their own (an unknown
    # access key is a 403 with no documented response type).
    "DEFAULT_4XX": (403, "ForbiddenException"),
    "DEFAULT_5XX": (500, "InternalServerErrorException"),
    "EXPIRED_TOKEN": (403, "ExpiredTokenException"),
    "INTEGRATION_FAILURE": (504, "InternalServerErrorException"),
    "INTEGRATION_TIMEOUT": (504, "InternalServerErrorException"),
    "INVALID_API_KEY": (403, "ForbiddenException"),
    "INVALID_SIGNATURE": (403, "InvalidSignatureException"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "MissingAuthenticationTokenException"),
    "QUOTA_EXCEEDED": (429, "LimitExceededException"),
    "REQUEST_TOO_LARGE": (413, "RequestTooLargeException"),
    "RESOURCE_NOT_FOUND": (404, "NotFoundException"),
    "THROTTLED": (429, "TooManyRequestsException"),
    "UNAUTHORIZED": (401, "UnauthorizedException"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "UnsupportedMediaTypeException"),
    "WAF_FILTERED": (403, "WAFFilteredException"),
}

# The body API Gateway renders when no template overrides it. `messageString` is the message
# already quoted as a JSON string.
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'

# IAM authorization failures are written by the IAM layer with a capital "Message"
# (aws-behaviour.md, amplify-js#1643), not by the gateway-response template.
IAM_DENIED_TEMPLATE = '{"Message":$context.error.messageString}'

MISSING_AUTHENTICATION_TOKEN = "Missing Authentication Token"
TOO_MANY_REQUESTS = "Too Many Requests"
INTERNAL_SERVER_ERROR = "Internal server error"
REQUEST_TOO_LARGE = "Request Too Long"
UNSUPPORTED_MEDIA_TYPE = "Unsupported Media Type"


@dataclass(frozen=True)
class GatewayError:
    """A request the gateway answers itself instead of the integration."""

    response_type: str
    message: str
    # Overrides the x-amzn-ErrorType from DEFAULTS (SigV4 failures name their own exception).
    error_type: str | None = None
    # Why, for the request log only; never sent to the caller.
    reason: str = ""
    template: str = DEFAULT_TEMPLATE


@dataclass(frozen=True)
class RenderedResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def render(
    error: GatewayError,
    overrides: Mapping[str, GatewayResponse],
    *,
    context: dict[str, Any],
    render_template: Callable[[str, dict[str, Any]], str],
) -> RenderedResponse:
    """Build the response for `error`, applying the API's customised gateway responses."""
    status, error_type = DEFAULTS[error.response_type]
    fallback_type = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
    custom = overrides.get(error.response_type) or overrides.get(fallback_type)
    if custom is not None and custom.status_code:
        status = int(custom.status_code)

    error_context = {
        "message": error.message,
        "messageString": json.dumps(error.message),
        "responseType": error.response_type,
        "validationErrorString": "",
    }
    ctx = {**context, "error": error_context}
    template = error.template
    content_type = "application/json"
    if custom is not None and custom.response_templates:
        content_type, template = _pick_template(custom.response_templates)
    body = render_template(template, ctx)

    headers = [("Content-Type", content_type), ("x-amzn-ErrorType", error.error_type or error_type)]
    if custom is not None:
        for name, value in custom.response_parameters.items():
            prefix = "gatewayresponse.header."
            if name.startswith(prefix):
                headers.append((name[len(prefix) :], static_or_context_value(value, ctx)))
    return RenderedResponse(status=status, headers=headers, body=body.encode())


def _pick_template(templates: Mapping[str, str]) -> tuple[str, str]:
    if "application/json" in templates:
        return "application/json", templates["application/json"]
    content_type = next(iter(templates))
    return content_type, templates[content_type]


def static_or_context_value(expression: str, context: Mapping[str, Any]) -> str:
    """Evaluate a response-parameter mapping value.

    API Gateway accepts a quoted static value (`'*'`) or a reference such as
    `context.requestId` / `context.identity.sourceIp`; other sources (request headers,
    integration response headers) resolve to empty here, since MOCK integrations have none.
    """
    if len(expression) >= 2 and expression[0] == "'" and expression[-1] == "'":
        return expression[1:-1]
    if expression.startswith("context."):
        value: Any = context
        for part in expression.split(".")[1:]:
            value = value.get(part, "") if isinstance(value, Mapping) else ""
        return "" if value is None else str(value)
    return ""
