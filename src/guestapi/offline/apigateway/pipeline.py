"""The API Gateway request pipeline, in the order the real service applies it.

Read `Gateway.handle` top to bottom: match the stage, resource and method; authenticate the
SigV4 signature; authorize with the caller role's identity policies; throttle; run the
integration; map the response. Every failure becomes a gateway response, customised by the
template's `x-amazon-apigateway-gateway-responses` where it has one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from guestapi.aws_constants import ERROR_TYPE_HEADER, REQUEST_ID_HEADER
from guestapi.offline import iam, sigv4
from guestapi.offline.apigateway import access_log, vtl
from guestapi.offline.apigateway import responses as gr
from guestapi.offline.apigateway.call import Call, IntegrationRunner, Refusal, method_arn
from guestapi.offline.apigateway.context import render_without_request, request_context
from guestapi.offline.apigateway.errors import ResponseType
from guestapi.offline.apigateway.mock import MockIntegration, configuration_error
from guestapi.offline.apigateway.router import Route, Router
from guestapi.offline.apigateway.throttle import StageThrottler
from guestapi.offline.credentials import CredentialStore, IssuedCredential
from guestapi.offline.iam.callers import CallerAuthority, not_authorized
from guestapi.offline.iam.context import condition_keys
from guestapi.offline.waf import WebAclEvaluator
from guestapi.offline.wire import Request, Response, loggable, new_request_id

if TYPE_CHECKING:
    from guestapi.offline.apigateway.model import RestApi, Stage
    from guestapi.offline.stack import Stack

log = logging.getLogger("guestapi.offline.gateway")

INVOKE_ACTION = "execute-api:Invoke"
# API Gateway's REST API payload limit.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024


def default_integrations(stack: Stack) -> dict[str, IntegrationRunner]:
    """Integration type -> runner; the launcher adds the ones that need other services."""
    return {"MOCK": MockIntegration(stack.rest_apis)}


class Gateway:
    def __init__(
        self,
        stack: Stack,
        store: CredentialStore,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        integrations: Mapping[str, IntegrationRunner] | None = None,
        honour_presigned_expires: bool = False,
        unknown_key_error_type: str = sigv4.SigV4ErrorKind.UNRECOGNIZED_CLIENT.value,
    ) -> None:
        self._stack = stack
        self._store = store
        self._clock = clock
        self._authority = CallerAuthority(
            region=stack.region,
            store=store,
            roles=stack.roles,
            clock=clock,
            honour_presigned_expires=honour_presigned_expires,
        )
        # The x-amzn-ErrorType of "The security token included in the request is invalid.":
        # a public capture shows UnrecognizedClientException, AWS's 403 article lists it under
        # AccessDeniedException (docs/aws-behaviour.md#sigv4-refusals); a real stack settles it.
        self._unknown_key_error_type = unknown_key_error_type
        self._context_free_roles = frozenset(
            arn for arn, role in stack.roles.items() if not iam.reads_context(role.policies)
        )
        self._router = Router(list(stack.rest_apis.values()), warn=log.warning)
        self._integrations = dict(integrations or default_integrations(stack))
        self._throttlers = {
            (api.api_id, stage.name): StageThrottler(stage.throttles)
            for api in stack.rest_apis.values()
            for stage in api.stages.values()
        }
        # WAF sees a request before API Gateway does: (api id, stage) -> its web ACL.
        self._web_acls = {
            stage: WebAclEvaluator(acl) for acl in stack.web_acls.values() for stage in acl.stages
        }

    # ------------------------------------------------------------------ pipeline
    def handle(self, request: Request, *, body_too_large: bool = False) -> Response:
        """Answer one request. `body_too_large`: the server stopped reading past the limit."""
        call = Call(request=request, request_id=new_request_id(), now=self._clock())
        error: gr.GatewayError | None = None
        stage = self._router.stage_of(request.raw_path)
        try:
            _filter(self._web_acls, call, stage)
            response = self._pipeline(call, body_too_large)
        except Refusal as refusal:
            error = refusal.error
            response = self._gateway_response(call, error)
        response.headers.append((REQUEST_ID_HEADER, call.request_id))
        self._log(call, response, error.reason or error.message if error else "")
        # Every call that reached a deployed stage gets its line, refused or not (a WAF block
        # included: docs/aws-behaviour.md#aws-waf).
        if stage is not None:
            api, deployed = stage
            access_log.emit(
                call, response, error, api=api, stage=deployed, account_id=self._stack.account_id
            )
        return response

    def _pipeline(self, call: Call, body_too_large: bool) -> Response:
        req = call.request
        # 1. Match the stage, resource and method. Unknown ones are indistinguishable from
        #    an unsigned call, by design of API Gateway.
        # HTTP methods are case-sensitive: a lower-case `get` is not GET.
        route = self._router.match(req.raw_path, req.method)
        if route is None and self._router.api_of(req.raw_path) is None:
            # An unknown stage (its name is case-sensitive) is Forbidden, not a missing
            # token (docs/aws-behaviour.md#routing).
            raise Refusal(
                gr.GatewayError(
                    ResponseType.DEFAULT_4XX,
                    gr.FORBIDDEN,
                    reason="no such stage",
                )
            )
        if route is None:
            malformed = sigv4.malformed_authorization(req)
            if malformed is not None:
                raise self._signature_refusal(malformed)
            raise Refusal(
                gr.GatewayError(
                    ResponseType.MISSING_AUTHENTICATION_TOKEN,
                    gr.MISSING_AUTHENTICATION_TOKEN,
                    reason="no such stage, resource or method",
                )
            )
        call.route = route
        if body_too_large or len(req.body) > MAX_PAYLOAD_BYTES:
            raise Refusal(gr.GatewayError(ResponseType.REQUEST_TOO_LARGE, gr.REQUEST_TOO_LARGE))

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
            raise Refusal(
                gr.GatewayError(
                    ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
                    gr.INTERNAL_SERVER_ERROR,
                    reason=f"authorization type {authorization} is not emulated",
                    template=gr.INTERNAL_ERROR_TEMPLATE,
                )
            )

        # 4. Throttle.
        throttler = self._throttlers[(route.api.api_id, route.stage.name)]
        if not throttler.allow(route.resource.path, route.method.http_method):
            raise Refusal(gr.GatewayError(ResponseType.THROTTLED, gr.TOO_MANY_REQUESTS))

        # 5. Integration, 6. response mapping.
        try:
            return self._integrate(call, route)
        except vtl.VtlError as exc:
            # A mapping template that fails at request time is a broken API configuration.
            raise configuration_error(str(exc)) from None

    # ------------------------------------------------------------------ steps
    def _authenticate(self, call: Call) -> IssuedCredential:
        req = call.request
        if not sigv4.has_signature(req):
            raise Refusal(
                gr.GatewayError(
                    ResponseType.MISSING_AUTHENTICATION_TOKEN,
                    gr.MISSING_AUTHENTICATION_TOKEN,
                    reason="no SigV4 signature",
                )
            )
        try:
            return self._authority.authenticate(req, "execute-api")
        except sigv4.SigV4Error as exc:
            raise self._signature_refusal(exc) from None

    def _authorize(self, call: Call, caller: IssuedCredential) -> None:
        route = call.route
        assert route is not None
        resource_arn = method_arn(self._stack, route, call.request.method)
        role = self._stack.roles.get(caller.role_arn)
        policies = role.policies if role is not None else ()
        # A role whose statements read no condition key or policy variable needs no request
        # context: building and normalising it was a tenth of a signed request's cost.
        needs_context = caller.role_arn not in self._context_free_roles or (
            bool(caller.session_policies) and iam.reads_context(caller.session_policies)
        )
        decision = iam.evaluate_session(
            policies,
            caller.session_policies,
            action=INVOKE_ACTION,
            resource=resource_arn,
            context=(
                condition_keys(
                    caller, request=call.request, now=call.now, region=self._stack.region
                )
                if needs_context
                else {}
            ),
        )
        if decision.allowed:
            return
        raise Refusal(
            gr.GatewayError(
                ResponseType.ACCESS_DENIED,
                _denied_message(caller, resource_arn, self._stack.account_id, decision),
                reason=decision.reason,
                template=gr.IAM_DENIED_TEMPLATE,
            )
        )

    def _integrate(self, call: Call, route: Route) -> Response:
        integration = route.method.integration
        kind = "none" if integration is None else integration.type
        runner = self._integrations.get(kind)
        if runner is None:
            emulated = ", ".join(sorted(self._integrations))
            raise configuration_error(f"integration type {kind} is not emulated (only {emulated})")
        started = time.monotonic()
        try:
            return runner.run(call, route, request_context(call, self._stack.account_id))
        finally:
            call.integration_latency_ms = round((time.monotonic() - started) * 1000)

    def _signature_refusal(self, exc: sigv4.SigV4Error) -> Refusal:
        unknown_key = exc.kind is sigv4.SigV4ErrorKind.UNRECOGNIZED_CLIENT
        return Refusal(
            gr.GatewayError(
                gr.SIGV4_RESPONSE_TYPES[exc.kind],
                exc.message,
                error_type=self._unknown_key_error_type if unknown_key else exc.error_type,
                # exc.message is the response body; on a mismatch it holds the canonical
                # request, which may contain the caller's session token. reason never does.
                reason=exc.reason,
            )
        )

    # ------------------------------------------------------------------ responses
    def _gateway_response(self, call: Call, error: gr.GatewayError) -> Response:
        # The API whose stage was called customises the answer; an unknown stage has no
        # deployment, so nothing does.
        api = call.route.api if call.route else self._router.api_of(call.request.raw_path)
        overrides = api.gateway_responses if api else {}
        return gr.render(
            error,
            overrides,
            context=request_context(call, self._stack.account_id),
            render_template=render_without_request,
        )

    def _log(self, call: Call, response: Response, reason: str) -> None:
        if not log.isEnabledFor(logging.INFO):  # --quiet, and the benchmarks: no line to build
            return
        # Path only: a presigned URL's query holds the signature and the session token.
        who = call.caller.identity_id if call.caller else "-"
        error_type = response.header(ERROR_TYPE_HEADER) or ""
        request = call.request
        line = f"{loggable(request.method, 16)} {loggable(request.raw_path)} {response.status}"
        line += f" caller={who}"
        if error_type:
            line += f" error={error_type}"
        if reason:
            line += f" reason='{loggable(reason)}'"
        log.info(line)


def _denied_message(
    caller: IssuedCredential, resource_arn: str, account: str, decision: iam.Decision
) -> str:
    """API Gateway's AccessDenied message (docs/aws-behaviour.md#access-denied-by-iam)."""
    # AWS masks the account id in the resource it names, all but its last 4 digits.
    shown = resource_arn.replace(f":{account}:", f":********{account[-4:]}:", 1)
    return not_authorized(caller.assumed_role_arn, INVOKE_ACTION, shown, decision, bare_deny=True)


def _filter(
    acls: Mapping[tuple[str, str], WebAclEvaluator],
    call: Call,
    stage: tuple[RestApi, Stage] | None,
) -> None:
    """0. The stage's web ACL, if it has one: a blocked request never reaches the API."""
    acl = acls.get((stage[0].api_id, stage[1].name)) if stage else None
    if acl is None:
        return
    rule = acl.blocking_rule(call.request)
    if rule is not None:
        raise Refusal(
            gr.GatewayError(
                ResponseType.WAF_FILTERED, gr.FORBIDDEN, reason=f"blocked by WAF rule {rule}"
            )
        )
