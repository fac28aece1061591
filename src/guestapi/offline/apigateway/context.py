"""API Gateway's `$context` for a call, and the request as mapping templates see it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from guestapi.offline.apigateway import vtl
from guestapi.offline.apigateway.call import Call
from guestapi.offline.apigateway.router import Route


def request_context(call: Call, account_id: str) -> dict[str, Any]:
    """The `$context` variables of a call (API Gateway's mapping template reference)."""
    req = call.request
    ctx: dict[str, Any] = {
        "requestId": call.request_id,
        "extendedRequestId": call.extended_request_id,
        "accountId": account_id,
        "httpMethod": req.method,
        "protocol": "HTTP/1.1",
        "requestTime": call.now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(call.now.timestamp() * 1000),
        "domainName": req.host,
        "domainPrefix": req.host.split(".")[0],
        "identity": _identity(call, account_id),
        "error": {"message": "", "messageString": '""', "responseType": ""},
        "path": req.raw_path,
    }
    route = call.route
    if route is not None:
        ctx.update(
            apiId=route.api.api_id,
            stage=route.stage.name,
            resourcePath=route.resource.path,
            resourceId=route.resource.path,
        )
    return ctx


def _identity(call: Call, account_id: str) -> dict[str, Any]:
    identity: dict[str, Any] = {
        "sourceIp": call.source_ip,
        "userAgent": call.request.header("user-agent") or "",
        "cognitoIdentityId": "",
        "cognitoIdentityPoolId": "",
        "cognitoAuthenticationType": "",
        "cognitoAuthenticationProvider": "",
        "caller": "",
        "user": "",
        "userArn": "",
        "accountId": "",
        "accessKey": "",
        "apiKey": "",
    }
    caller = call.caller
    if caller is not None:
        identity.update(
            cognitoIdentityId=caller.identity_id,
            cognitoIdentityPoolId=caller.identity_pool_id,
            cognitoAuthenticationType=caller.authentication_type,
            cognitoAuthenticationProvider=caller.authentication_provider,
            caller=caller.caller,
            user=caller.caller,
            userArn=caller.assumed_role_arn,
            accountId=account_id,
            accessKey=caller.access_key_id,
        )
    return identity


def vtl_request(call: Call, route: Route, *, parse: bool = True) -> vtl.VtlRequest:
    """The request as `$input` sees it; `parse=False` skips the query and headers."""
    req = call.request
    query: dict[str, str] = {}
    headers: dict[str, str] = {}
    if parse:
        for key, value in parse_qsl(req.raw_query, keep_blank_values=True):
            query[key] = value  # API Gateway's $input.params keeps the last value
        for name, value in req.headers:
            headers[name] = value
    return vtl.VtlRequest(
        body=req.body,
        path_params=dict(route.path_params),
        query=query,
        headers=headers,
        stage_variables=dict(route.stage.variables),
    )


EMPTY_REQUEST = vtl.VtlRequest(body=b"", path_params={}, query={}, headers={}, stage_variables={})


def render_without_request(template: str, context: dict[str, Any]) -> str:
    """A gateway-response template: it sees $context but no request."""
    return vtl.render(template, context=context, request=EMPTY_REQUEST)
