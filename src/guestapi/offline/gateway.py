"""The API Gateway request pipeline, in the order the real service applies it.

Read `Gateway.handle` top to bottom: match the stage, resource and method; authenticate the
SigV4 signature; authorize with the caller role's identity policies; throttle; run the
integration; map the response. Every failure becomes a gateway response, customised by the
template's `x-amazon-apigateway-gateway-responses` where it has one.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from guestapi.offline import gateway_responses as gr
from guestapi.offline import iam, sigv4, vtl
from guestapi.offline.credentials import CredentialStore, IssuedCredential
from guestapi.offline.model import Integration, IntegrationResponse, Stack
from guestapi.offline.router import Route, Router
from guestapi.offline.throttle import StageThrottler

log = logging.getLogger("guestapi.offline.gateway")

# API Gateway's REST API payload limit.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class _Call:
    """What the pipeline learns about one request as it goes; feeds $context and the log."""

    request: sigv4.IncomingRequest
    source_ip: str
    request_id: str
    now: datetime
    route: Route | None = None
    caller: IssuedCredential | None = None
    extra_context: dict[str, Any] = field(default_factory=dict)


class Gateway:
    def __init__(
        self,
        stack: Stack,
        store: CredentialStore,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._stack = stack
        self._store = store
        self._clock = clock
        self._router = Router(list(stack.rest_apis.values()))
        # Whether each integration's templates or mappings read the request at all, decided
        # once here rather than on every call: parsing a presigned URL's long query for
        # templates that never look at it was a measurable share of each request.
        self._reads_request = {
            id(method.integration): _reads_request(method.integration)
            for api in stack.rest_apis.values()
            for resource in api.resources
            for method in resource.methods.values()
            if method.integration is not None
        }
        self._throttlers = {
            (api.api_id, stage.name): StageThrottler(stage.throttles)
            for api in stack.rest_apis.values()
            for stage in api.stages.values()
        }

    # ------------------------------------------------------------------ pipeline
    def handle(
        self,
        request: sigv4.IncomingRequest,
        *,
        source_ip: str = "127.0.0.1",
        body_too_large: bool = False,
    ) -> HttpResponse:
        """Answer one request. `body_too_large`: the server stopped reading past the limit."""
        call = _Call(
            request=request,
            source_ip=source_ip,
            request_id=str(uuid.uuid4()),
            now=self._clock(),
        )
        try:
            response = self._pipeline(call, body_too_large)
            reason = ""
        except _Refusal as refusal:
            response = self._gateway_response(call, refusal.error)
            reason = refusal.error.reason or refusal.error.message
        response.headers.append(("x-amzn-RequestId", call.request_id))
        self._log(call, response, reason)
        return response

    def _pipeline(self, call: _Call, body_too_large: bool) -> HttpResponse:
        req = call.request
        # 1. Match the stage, resource and method. Unknown ones are indistinguishable from
        #    an unsigned call, by design of API Gateway.
        # HTTP methods are case-sensitive: a lower-case `get` is not GET.
        route = self._router.match(req.raw_path, req.method)
        if route is None:
            raise _Refusal(
                gr.GatewayError(
                    "MISSING_AUTHENTICATION_TOKEN",
                    gr.MISSING_AUTHENTICATION_TOKEN,
                    reason="no such stage, resource or method",
                )
            )
        call.route = route
        if body_too_large or len(req.body) > MAX_PAYLOAD_BYTES:
            raise _Refusal(gr.GatewayError("REQUEST_TOO_LARGE", gr.REQUEST_TOO_LARGE))

        authorization = route.method.authorization_type
        if authorization == "AWS_IAM":
            # 2. Authenticate: the SigV4 signature, recomputed from the raw request.
            caller = self._authenticate(call)
            call.caller = caller
            # 3. Authorize: the caller role's identity policies on the method ARN.
            self._authorize(call, caller)
        elif authorization != "NONE":
            # Custom and Cognito user-pool authorizers are outside this twin: refuse loudly
            # rather than let the call through unauthenticated.
            raise _Refusal(
                gr.GatewayError(
                    "AUTHORIZER_CONFIGURATION_ERROR",
                    gr.INTERNAL_SERVER_ERROR,
                    reason=f"authorization type {authorization} is not emulated",
                )
            )

        # 4. Throttle.
        throttler = self._throttlers[(route.api.api_id, route.stage.name)]
        if not throttler.allow(route.resource.path, route.method.http_method):
            raise _Refusal(gr.GatewayError("THROTTLED", gr.TOO_MANY_REQUESTS))

        # 5. Integration, 6. response mapping.
        try:
            return self._integrate(call, route)
        except vtl.VtlError as exc:
            # A mapping template that fails at request time is a broken API configuration.
            raise _Refusal(
                gr.GatewayError(
                    "API_CONFIGURATION_ERROR", gr.INTERNAL_SERVER_ERROR, reason=str(exc)
                )
            ) from None

    # ------------------------------------------------------------------ steps
    def _authenticate(self, call: _Call) -> IssuedCredential:
        req = call.request
        if not sigv4.has_signature(req):
            raise _Refusal(
                gr.GatewayError(
                    "MISSING_AUTHENTICATION_TOKEN",
                    gr.MISSING_AUTHENTICATION_TOKEN,
                    reason="no SigV4 signature",
                )
            )
        issued: dict[str, IssuedCredential] = {}

        def lookup(access_key_id: str) -> sigv4.KnownCredential | None:
            found = self._store.lookup(access_key_id)
            if found is None:
                return None
            issued[access_key_id] = found
            return sigv4.KnownCredential(
                access_key_id=found.access_key_id,
                secret_access_key=found.secret_access_key,
                session_token=found.session_token,
                expiration=found.expiration,
            )

        try:
            verified = sigv4.verify(req, region=self._stack.region, now=call.now, lookup=lookup)
        except sigv4.SigV4Error as exc:
            raise _Refusal(
                gr.GatewayError(
                    exc.gateway_response,
                    exc.message,
                    error_type=exc.error_type,
                    # exc.message is the response body; on a mismatch it holds the canonical
                    # request, which may contain the caller's session token. reason never does.
                    reason=exc.reason,
                )
            ) from None
        return issued[verified.credential.access_key_id]

    def _authorize(self, call: _Call, caller: IssuedCredential) -> None:
        route = call.route
        assert route is not None
        resource_arn = self.method_arn(route, call.request.method)
        role = self._stack.roles.get(caller.role_arn)
        policies = role.policies if role is not None else ()
        decision = iam.evaluate(
            policies,
            action="execute-api:Invoke",
            resource=resource_arn,
            context=self._condition_context(call, caller),
        )
        if decision.allowed:
            return
        # AWS masks the account id in the resource it names (aws-behaviour.md).
        shown = resource_arn.replace(f":{self._stack.account_id}:", ":********:", 1)
        message = (
            f"User: {caller.assumed_role_arn} is not authorized to perform: "
            f"execute-api:Invoke on resource: {shown}"
        )
        if decision.explicit_deny:
            message += " with an explicit deny"
        raise _Refusal(
            gr.GatewayError(
                "ACCESS_DENIED",
                message,
                reason=decision.reason,
                template=gr.IAM_DENIED_TEMPLATE,
            )
        )

    def method_arn(self, route: Route, http_method: str) -> str:
        stack = self._stack
        return (
            f"arn:{stack.partition}:execute-api:{stack.region}:{stack.account_id}:"
            f"{route.api.api_id}/{route.stage.name}/{http_method}/{route.path.lstrip('/')}"
        )

    def _condition_context(self, call: _Call, caller: IssuedCredential) -> dict[str, Any]:
        return {
            "aws:SourceIp": call.source_ip,
            "aws:CurrentTime": call.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": str(int(call.now.timestamp())),
            "aws:SecureTransport": "false",
            "aws:userid": caller.caller,
            "aws:PrincipalArn": caller.role_arn,
            "aws:PrincipalAccount": self._stack.account_id,
            "aws:PrincipalType": "AssumedRole",
            "aws:UserAgent": _header(call.request, "user-agent") or "",
            "cognito-identity.amazonaws.com:aud": caller.identity_pool_id,
            "cognito-identity.amazonaws.com:sub": caller.identity_id,
            "cognito-identity.amazonaws.com:amr": [caller.authentication_type],
        }

    def _integrate(self, call: _Call, route: Route) -> HttpResponse:
        integration = route.method.integration
        if integration is None or integration.type != "MOCK":
            kind = "none" if integration is None else integration.type
            raise _Refusal(
                gr.GatewayError(
                    "API_CONFIGURATION_ERROR",
                    gr.INTERNAL_SERVER_ERROR,
                    reason=f"integration type {kind} is not emulated (MOCK only)",
                )
            )
        context = self._context(call)
        vrequest = self._vtl_request(call, route, parse=self._reads_request[id(integration)])
        status = self._mock_status(integration, call, context, vrequest)
        chosen = _select_response(integration.responses, str(status))
        if chosen is None:
            raise _Refusal(
                gr.GatewayError(
                    "API_CONFIGURATION_ERROR",
                    gr.INTERNAL_SERVER_ERROR,
                    reason=f"no integration response matches status {status} and none is default",
                )
            )
        headers: list[tuple[str, str]] = []
        body = b""
        content_type = "application/json"
        if chosen.response_templates:
            content_type, template = _pick_by_accept(
                chosen.response_templates, _header(call.request, "accept")
            )
            body = vtl.render(template, context=context, request=vrequest).encode()
        headers.append(("Content-Type", content_type))
        prefix = "method.response.header."
        for name, expression in chosen.response_parameters.items():
            if name.startswith(prefix):
                headers.append((name[len(prefix) :], _mapping_value(expression, context, vrequest)))
        return HttpResponse(int(chosen.status_code), headers, body)

    def _mock_status(
        self,
        integration: Integration,
        call: _Call,
        context: dict[str, Any],
        vrequest: vtl.VtlRequest,
    ) -> int:
        """A MOCK integration's status is the `statusCode` of the rendered request template."""
        content_type = (_header(call.request, "content-type") or "application/json").split(";")[0]
        content_type = content_type.strip().lower()
        template = integration.request_templates.get(content_type)
        behavior = integration.passthrough_behavior.upper()
        if template is None:
            if behavior == "NEVER" or (
                behavior == "WHEN_NO_TEMPLATES" and integration.request_templates
            ):
                raise _Refusal(gr.GatewayError("UNSUPPORTED_MEDIA_TYPE", gr.UNSUPPORTED_MEDIA_TYPE))
            rendered = call.request.body.decode("utf-8", "replace")
        else:
            rendered = vtl.render(template, context=context, request=vrequest)
        try:
            payload = json.loads(rendered)
            return int(payload["statusCode"])
        except (ValueError, KeyError, TypeError):
            raise _Refusal(
                gr.GatewayError(
                    "API_CONFIGURATION_ERROR",
                    gr.INTERNAL_SERVER_ERROR,
                    reason="MOCK request template produced no integer statusCode",
                )
            ) from None

    # ------------------------------------------------------------------ context
    def _context(self, call: _Call) -> dict[str, Any]:
        route = call.route
        caller = call.caller
        req = call.request
        identity: dict[str, Any] = {
            "sourceIp": call.source_ip,
            "userAgent": _header(req, "user-agent") or "",
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
        if caller is not None:
            identity.update(
                cognitoIdentityId=caller.identity_id,
                cognitoIdentityPoolId=caller.identity_pool_id,
                cognitoAuthenticationType=caller.authentication_type,
                caller=caller.caller,
                user=caller.caller,
                userArn=caller.assumed_role_arn,
                accountId=self._stack.account_id,
                accessKey=caller.access_key_id,
            )
        ctx: dict[str, Any] = {
            "requestId": call.request_id,
            "extendedRequestId": secrets.token_urlsafe(12)[:16],
            "accountId": self._stack.account_id,
            "httpMethod": req.method,
            "protocol": "HTTP/1.1",
            "requestTime": call.now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(call.now.timestamp() * 1000),
            "domainName": req.host,
            "domainPrefix": req.host.split(".")[0],
            "identity": identity,
            "error": {"message": "", "messageString": '""', "responseType": ""},
            "path": req.raw_path,
        }
        if route is not None:
            ctx.update(
                apiId=route.api.api_id,
                stage=route.stage.name,
                resourcePath=route.resource.path,
                resourceId=route.resource.path,
            )
        return ctx

    def _vtl_request(self, call: _Call, route: Route, *, parse: bool = True) -> vtl.VtlRequest:
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

    # ------------------------------------------------------------------ responses
    def _gateway_response(self, call: _Call, error: gr.GatewayError) -> HttpResponse:
        overrides = call.route.api.gateway_responses if call.route else self._default_overrides()
        rendered = gr.render(
            error,
            overrides,
            context=self._context(call),
            render_template=self._render_gateway_template,
        )
        return HttpResponse(rendered.status, rendered.headers, rendered.body)

    def _default_overrides(self) -> Mapping[str, Any]:
        # A request that matched no stage still belongs to this port's API (AWS routes by
        # host name); with one API, its gateway responses apply.
        apis = list(self._stack.rest_apis.values())
        return apis[0].gateway_responses if len(apis) == 1 else {}

    @staticmethod
    def _render_gateway_template(template: str, context: dict[str, Any]) -> str:
        return vtl.render(
            template,
            context=context,
            request=vtl.VtlRequest(
                body=b"", path_params={}, query={}, headers={}, stage_variables={}
            ),
        )

    def _log(self, call: _Call, response: HttpResponse, reason: str) -> None:
        # Path only: a presigned URL's query holds the signature and the session token.
        who = call.caller.identity_id if call.caller else "-"
        error_type = next((v for k, v in response.headers if k == "x-amzn-ErrorType"), "")
        line = f"{call.request.method} {call.request.raw_path} {response.status} caller={who}"
        if error_type:
            line += f" error={error_type}"
        if reason:
            line += f" reason={reason!r}"
        log.info(line)


class _Refusal(Exception):
    def __init__(self, error: gr.GatewayError) -> None:
        super().__init__(error.message)
        self.error = error


def _header(request: sigv4.IncomingRequest, name: str) -> str | None:
    for key, value in request.headers:
        if key.lower() == name:
            return value
    return None


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


def _select_response(
    responses: tuple[IntegrationResponse, ...], status: str
) -> IntegrationResponse | None:
    default = None
    for response in responses:
        if response.selection_pattern == "default":
            default = response
        elif re.fullmatch(response.selection_pattern, status, flags=re.DOTALL):
            return response
    return default


def _pick_by_accept(templates: Mapping[str, str], accept: str | None) -> tuple[str, str]:
    if accept:
        for part in accept.split(","):
            media = part.split(";")[0].strip().lower()
            if media in templates:
                return media, templates[media]
    if "application/json" in templates:
        return "application/json", templates["application/json"]
    content_type = next(iter(templates))
    return content_type, templates[content_type]


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
