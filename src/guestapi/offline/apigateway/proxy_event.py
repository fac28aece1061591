"""The event a Lambda proxy integration receives: REST API payload format 1.0, field by field as
docs/aws-behaviour.md#proxy-event lists it.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl

from guestapi.offline.apigateway.binary_media import is_binary
from guestapi.offline.apigateway.call import Call
from guestapi.offline.apigateway.router import Route

# Identity fields the REST proxy event carries; those the context has no value for are null
# (no API keys, no mutual TLS, no organizations offline).
_IDENTITY_FIELDS = (
    "accessKey",
    "accountId",
    "apiKey",
    "apiKeyId",
    "caller",
    "clientCert",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "sourceIp",
    "user",
    "userAgent",
    "userArn",
)


def proxy_event(call: Call, route: Route, context: dict[str, Any]) -> dict[str, Any]:
    req = call.request
    headers, multi_headers = _single_and_multi(req.headers)
    query, multi_query = _single_and_multi(parse_qsl(req.raw_query, keep_blank_values=True))
    binary = is_binary(req.header("content-type"), route.api.binary_media_types)
    body, is_base64 = _body(req.body, binary=binary)
    return {
        "resource": route.resource.path,
        "path": route.path,
        "httpMethod": req.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(route.path_params) or None,
        "stageVariables": dict(route.stage.variables) or None,
        "requestContext": _request_context(call, context),
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _request_context(call: Call, context: dict[str, Any]) -> dict[str, Any]:
    identity = context["identity"]
    return {
        "accountId": context["accountId"],
        "apiId": context.get("apiId", ""),
        "domainName": context["domainName"],
        "domainPrefix": context["domainPrefix"],
        "extendedRequestId": context["extendedRequestId"],
        "httpMethod": context["httpMethod"],
        "identity": {name: identity.get(name) or None for name in _IDENTITY_FIELDS},
        "path": context["path"],
        "protocol": context["protocol"],
        "requestId": context["requestId"],
        "requestTime": context["requestTime"],
        "requestTimeEpoch": context["requestTimeEpoch"],
        "resourceId": context.get("resourceId", ""),
        "resourcePath": context.get("resourcePath", ""),
        "stage": context.get("stage", ""),
    }


def _single_and_multi(
    pairs: Any,
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single or None, multi or None)


def _body(raw: bytes, *, binary: bool) -> tuple[str | None, bool]:
    """The body as the event carries it: base64 for a binary media type, else UTF-8 text.

    Bytes that are not UTF-8 in a text body become U+FFFD: API Gateway documents a text body as
    a "UTF8-encoded string" and says nothing of invalid bytes ([choice], a known difference).
    """
    if not raw:
        return None, False
    if binary:
        return base64.b64encode(raw).decode(), True
    return raw.decode("utf-8", errors="replace"), False
