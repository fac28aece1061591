"""The endpoint a function's SDK calls for a moto-backed AWS JSON service: SigV4 and IAM as the
service applies them, then moto (which checks neither), in the order of AWS's shared front layer
(docs/aws-behaviour.md#dynamodb-refusals): the operation (`AwsService`), the signature
(`admit`), what IAM must check (`Planner`: a request it cannot plan is refused, never let
through unchecked), the caller's role on every (action, resource), and only then moto, with the
stack's account and the sealed back-end's key. A refused request never reaches moto; the log
line never holds the Authorization header, a session token or the body.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Protocol

import requests

from guestapi.aws_constants import TARGET_HEADER
from guestapi.offline import iam, sigv4, wire
from guestapi.offline.awsapi import AwsService, Call, Json
from guestapi.offline.awsapi.errors import (
    AccessDeniedException,
    InternalServerError,
    SignatureRefused,
    ValidationException,
)
from guestapi.offline.iam.callers import Denied
from guestapi.offline.iam.context import ContextValue, condition_keys
from guestapi.offline.motoservice.callers import Caller, LookupCaller, ServiceKeys
from guestapi.offline.motoservice.callers import fail_closed as _fail_closed
from guestapi.offline.motoservice.emulator import ACCOUNT_HEADER, Upstream


class RequestShapeError(Exception):
    """The request body does not say what IAM must check (the service: a validation error)."""


class NotEmulatedError(Exception):
    """A real operation the offline stack does not authorize, so never forwards."""


@dataclass(frozen=True)
class Check:
    action: str  # "dynamodb:PutItem"
    resource: str  # an ARN, or "*"
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


class Planner(Protocol):
    """A service's IAM checks of one request, for one stack's account and region; raises
    RequestShapeError or NotEmulatedError for a request it cannot plan."""

    @property
    def region(self) -> str: ...

    @property
    def account_id(self) -> str: ...

    def checks(self, operation: str, body: Mapping[str, Any]) -> list[Check]: ...


class MotoFrontDoor(AwsService):
    """Authenticates and authorizes a stack's callers, forwarding the allowed calls to moto.

    A service subclasses it with its protocol and its condition keys (`KEYS`: statements on
    keys it does not compute can only deny). `upstream` is the moto server (its URL and launch
    key); `lookup_caller` maps an access key id to its Caller.
    """

    INVALID = ValidationException
    BLOCKING = True  # every call waits on moto
    protocol: ClassVar[Json]
    KEYS: ClassVar[ServiceKeys]
    MAX_SKEW: ClassVar[timedelta] = timedelta(minutes=5)
    MISSING_TOKEN_MESSAGE: ClassVar[str | None] = None  # the service's own wording, if it has one
    # What moto reads of a request; everything else (the session token above all) stays here.
    FORWARDED_REQUEST_HEADERS: ClassVar[tuple[str, ...]] = (
        "content-type",
        TARGET_HEADER,
        "authorization",
        "x-amz-date",
    )

    def __init__(
        self,
        planner: Planner,
        *,
        upstream: Upstream,
        lookup_caller: LookupCaller,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: float = 30.0,
    ) -> None:
        self._planner = planner
        self._region = planner.region
        self._account_id = planner.account_id
        self._upstream = upstream.url.rstrip("/") + "/"
        self._upstream_headers = upstream.headers()
        self._lookup_caller = lookup_caller
        self._clock = clock
        self._timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False  # never through a developer's HTTP proxy
        # Every operation of the API: those the planner cannot authorize are refused there.
        self.operations = dict.fromkeys(self.protocol.operations, self._forward)

    def close(self) -> None:
        self._session.close()

    # ------------------------------------------------------------------ service hook
    def _answer(self, answer: requests.Response, call: Call) -> wire.Response:
        """moto's answer as the service gives it (headers moto adds of its own are dropped)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ steps
    def admit(self, call: Call) -> None:
        """Step 2: the SigV4 signature (IAM needs the body, so it is the handler's step)."""
        try:
            call.caller = sigv4.verify_caller(
                call.request,
                region=self._region,
                service=self.NAME,
                now=self._clock(),
                find=self._lookup_caller,
                credential=lambda caller: caller.credential,
                max_skew=self.MAX_SKEW,
            )
        except sigv4.SigV4Error as error:
            call.detail = str(error)  # the log-safe reason; error.message may echo a token
            refused = SignatureRefused(error)
            if error.kind is sigv4.SigV4ErrorKind.MISSING_TOKEN and self.MISSING_TOKEN_MESSAGE:
                refused.message = self.MISSING_TOKEN_MESSAGE
            raise refused from None
        call.logged["caller"] = call.caller.assumed_role_arn

    def _forward(self, call: Call) -> wire.Response:
        """Steps 3 to 5: plan, authorize, forward."""
        try:
            checks = self._planner.checks(call.operation, call.params)
        except (RequestShapeError, NotEmulatedError) as error:
            call.detail = f"refused before authorization: {error}"
            raise ValidationException(str(error)) from None
        self._authorize(call, checks)
        return self._answer(self._post(call), call)

    def _authorize(self, call: Call, checks: list[Check]) -> None:
        caller: Caller = call.caller
        policies = _fail_closed(caller.policies, self.KEYS)
        # The principal's keys, then the request's: a Caller cannot claim another source IP.
        request_keys = condition_keys(request=call.request, now=self._clock(), region=self._region)
        base = {**caller.context, **request_keys}
        for check in checks:
            context: dict[str, ContextValue] = {**base, **check.context}
            decision = iam.evaluate_session(
                policies,
                caller.session_policies,
                action=check.action,
                resource=check.resource,
                context=context,
            )
            if not decision.allowed:
                call.detail = f"denied: {decision.reason}"
                denied = Denied(caller.assumed_role_arn, check.action, check.resource, decision)
                raise AccessDeniedException(denied.message())

    def _post(self, call: Call) -> requests.Response:
        headers = {
            name: value
            for name in self.FORWARDED_REQUEST_HEADERS
            if (value := call.request.header(name)) is not None
        }
        # moto keeps one store per account: this stack's, whatever the access key says.
        headers[ACCOUNT_HEADER] = self._account_id
        headers.update(self._upstream_headers)  # the sealed back-end's key
        try:
            return self._session.post(
                self._upstream, data=call.request.body, headers=headers, timeout=self._timeout
            )
        except requests.RequestException as error:
            call.detail = f"the emulator did not answer: {error}"
            raise InternalServerError() from None
