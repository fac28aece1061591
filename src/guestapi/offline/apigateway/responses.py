"""API Gateway's gateway responses: a template's overrides applied to the documented defaults
(`errors.py`), a type the API does not customise falling back to DEFAULT_4XX / DEFAULT_5XX by
its status class (docs/aws-behaviour.md#gateway-responses).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from guestapi.aws_constants import ERROR_TYPE_HEADER
from guestapi.offline.apigateway.errors import DEFAULTS, ResponseType
from guestapi.offline.apigateway.model import GatewayResponse
from guestapi.offline.sigv4 import SigV4ErrorKind
from guestapi.offline.wire import Response

# SigV4 refusals -> gateway response types. Three are documented for IAM authentication:
# MISSING_AUTHENTICATION_TOKEN, INVALID_SIGNATURE ("an invalid AWS signature error") and
# EXPIRED_TOKEN. An incomplete Authorization header is an invalid signature, so it uses
# INVALID_SIGNATURE. No type is documented for an unknown access key: UNAUTHORIZED is for
# custom/Cognito authorizers and defaults to 401, while AWS answers 403, so it falls back to
# DEFAULT_4XX, the documented fallback for every unlisted 4xx.
SIGV4_RESPONSE_TYPES: dict[SigV4ErrorKind, ResponseType] = {
    SigV4ErrorKind.MISSING_TOKEN: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    SigV4ErrorKind.INCOMPLETE: ResponseType.INVALID_SIGNATURE,
    SigV4ErrorKind.INVALID_SIGNATURE: ResponseType.INVALID_SIGNATURE,
    SigV4ErrorKind.UNRECOGNIZED_CLIENT: ResponseType.DEFAULT_4XX,
    SigV4ErrorKind.EXPIRED_TOKEN: ResponseType.EXPIRED_TOKEN,
}

# The body API Gateway renders when no template overrides it. `messageString` is the message
# already quoted as a JSON string.
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'

# API Gateway's own 500/502 answers carry a space after the colon: `{"message": "Internal server
# error"}` (AWS Lambda developer guide, "Handling Lambda errors with an API Gateway API").
INTERNAL_ERROR_TEMPLATE = '{"message": $context.error.messageString}'

# IAM authorization failures are written by the IAM layer with a capital "Message"
# (docs/aws-behaviour.md#error-bodies, amplify-js#1643), not by the gateway-response template.
IAM_DENIED_TEMPLATE = '{"Message":$context.error.messageString}'

MISSING_AUTHENTICATION_TOKEN = "Missing Authentication Token"
FORBIDDEN = "Forbidden"
TOO_MANY_REQUESTS = "Too Many Requests"
INTERNAL_SERVER_ERROR = "Internal server error"
REQUEST_TOO_LARGE = "Request Too Long"
UNSUPPORTED_MEDIA_TYPE = "Unsupported Media Type"


@dataclass(frozen=True)
class GatewayError:
    """A request the gateway answers itself instead of the integration."""

    response_type: ResponseType
    message: str
    # Overrides the x-amzn-ErrorType from DEFAULTS (SigV4 failures name their own exception).
    error_type: str | None = None
    # Why, for the request log only; never sent to the caller.
    reason: str = ""
    template: str = DEFAULT_TEMPLATE
    # Replaces the type's default status (a 502 from a Lambda proxy is a DEFAULT_5XX).
    status: int | None = None


def render(
    error: GatewayError,
    overrides: Mapping[str, GatewayResponse],
    *,
    context: dict[str, Any],
    render_template: Callable[[str, dict[str, Any]], str],
) -> Response:
    """Build the response for `error`, applying the API's customised gateway responses."""
    status, error_type = DEFAULTS[error.response_type]
    status = error.status or status
    fallback_type = ResponseType.DEFAULT_4XX if status < 500 else ResponseType.DEFAULT_5XX
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
        content_type, template = pick_template(custom.response_templates)
    body = render_template(template, ctx)

    headers = [("Content-Type", content_type), (ERROR_TYPE_HEADER, error.error_type or error_type)]
    if custom is not None:
        for name, value in custom.response_parameters.items():
            prefix = "gatewayresponse.header."
            if name.startswith(prefix):
                headers.append((name[len(prefix) :], static_or_context_value(value, ctx)))
    return Response(status, headers, body.encode())


def pick_template(templates: Mapping[str, str], accept: str | None = None) -> tuple[str, str]:
    """(content type, template): the first the Accept header names, else JSON, else the first."""
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        if media in templates:
            return media, templates[media]
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
