"""The endpoint a function's SDK calls for a moto-backed AWS JSON service: SigV4 and IAM as the
service applies them, then moto.

moto does not check signatures or policies (unless configured with its own IAM users), so the
offline stack answers these calls here first, in the order AWS's shared front layer does
(docs/aws-behaviour.md#dynamodb-refusals):

1. the X-Amz-Target must name an operation of the service (UnknownOperationException);
2. the SigV4 signature must verify for the service's signing name in the stack's region, with
   a credential the stack issued (MissingAuthenticationToken / IncompleteSignature /
   InvalidSignature / UnrecognizedClient / ExpiredToken);
3. the request must say what IAM is to check (else a validation error), and an operation the
   front door cannot authorize is refused rather than let through unchecked;
4. the caller's role must allow every (action, resource) the request needs, else
   AccessDeniedException naming the first refused pair;
5. only then is the request passed to moto, body and the headers it reads unchanged, and moto's
   answer returned (through `_answer`, where a service corrects what moto says differently).

A refused request never reaches moto. Logs name the caller, operation and reason; never the
Authorization header, a session token or the body.

A service subclasses `MotoFrontDoor` with its signing name, its refusals as they look on the
wire (`Dialect`: a module of functions, e.g. `dynamodb/errors.py`) and its planner (`_plan`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Protocol

import requests

from guestapi.aws_constants import TARGET_HEADER
from guestapi.offline import iam, sigv4, wire
from guestapi.offline.iam.callers import Denied
from guestapi.offline.iam.context import condition_keys
from guestapi.offline.iam.model import PolicyDocument
from guestapi.offline.motoservice.callers import Caller, ContextValue, LookupCaller
from guestapi.offline.motoservice.server import ACCOUNT_HEADER, Upstream


class RequestShapeError(Exception):
    """The request body does not say what IAM must check (the service: a validation error)."""


class NotEmulatedError(Exception):
    """A real operation the offline stack does not authorize, so never forwards."""


@dataclass(frozen=True)
class Check:
    action: str  # "dynamodb:PutItem"
    resource: str  # an ARN, or "*"
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


class Dialect(Protocol):
    """A service's refusals as they look on the wire (a module such as dynamodb/errors.py)."""

    def new_request_id(self) -> str: ...
    def render(self, error: Any, request_id: str) -> wire.Response: ...
    def signature_refused(self, error: sigv4.SigV4Error) -> wire.AwsError: ...
    def access_denied(self, denied: Denied) -> wire.AwsError: ...
    def unknown_operation(self) -> wire.AwsError: ...
    def serialization(self, message: str) -> wire.AwsError: ...
    def validation(self, message: str) -> wire.AwsError: ...
    def internal_error(self) -> wire.AwsError: ...


class MotoFrontDoor:
    """Authenticates and authorizes a stack's callers, forwarding the allowed calls to moto.

    `upstream` is the moto server (its URL and launch key). `lookup_caller` maps an access key
    id to the Caller it was issued to, or None.
    """

    SERVICE: ClassVar[str]  # SigV4 signing name
    LABEL: ClassVar[str]  # in log lines: "DynamoDB"
    MAX_SKEW: ClassVar[timedelta] = timedelta(minutes=5)
    # What moto reads of a request; everything else (the session token above all) stays here.
    FORWARDED_REQUEST_HEADERS: ClassVar[tuple[str, ...]] = (
        "content-type",
        "x-amz-target",
        "authorization",
        "x-amz-date",
    )
    log: ClassVar[logging.Logger]

    def __init__(
        self,
        *,
        region: str,
        account_id: str,
        upstream: Upstream,
        lookup_caller: LookupCaller,
        dialect: Dialect,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: float = 30.0,
    ) -> None:
        self._region = region
        self._account_id = account_id
        self._upstream = upstream.url.rstrip("/") + "/"
        self._upstream_headers = upstream.headers()
        self._lookup_caller = lookup_caller
        self._errors = dialect
        self._clock = clock
        self._timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False  # never through a developer's HTTP proxy

    def close(self) -> None:
        self._session.close()

    def handle(self, request: wire.Request) -> wire.Response:
        request_id = self._errors.new_request_id()
        try:
            operation = self._operation(request)
            caller = self._authenticate(request, operation)
            body = self._body(request.body)
            checks = self._checks(operation, body)
            self._authorize(caller, operation, checks, request)
        except wire.AwsError as refusal:
            return self._errors.render(refusal, request_id)
        return self._forward(request, operation, body, request_id)

    # ------------------------------------------------------------------ service hooks
    def _operation_of(self, target: str | None) -> str | None:
        """The operation an X-Amz-Target names, or None when the service has no such one."""
        raise NotImplementedError

    def _plan(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        """The IAM checks of one request; RequestShapeError / NotEmulatedError refuse it."""
        raise NotImplementedError

    def _policies(self, caller: Caller) -> tuple[PolicyDocument, ...]:
        return caller.policies

    def _answer(
        self,
        answer: requests.Response,
        operation: str,
        body: Mapping[str, Any],
        request_id: str,
    ) -> wire.Response:
        """moto's answer as the service gives it (headers moto adds of its own are dropped)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ steps
    def _operation(self, request: wire.Request) -> str:
        operation = self._operation_of(request.header(TARGET_HEADER))
        if operation is None:
            raise self._errors.unknown_operation()
        return operation

    def _authenticate(self, request: wire.Request, operation: str) -> Caller:
        found: dict[str, Caller] = {}

        def lookup(access_key_id: str) -> sigv4.KnownCredential | None:
            caller = self._lookup_caller(access_key_id)
            if caller is None:
                return None
            found[access_key_id] = caller
            return caller.credential

        try:
            verified = sigv4.verify(
                request,
                region=self._region,
                service=self.SERVICE,
                now=self._clock(),
                lookup=lookup,
                max_skew=self.MAX_SKEW,
            )
        except sigv4.SigV4Error as error:
            # str(error) is the log-safe reason; error.message may echo a signed token.
            self.log.info("%s %s refused: %s", self.LABEL, operation, error)
            raise self._errors.signature_refused(error) from None
        return found[verified.credential.access_key_id]

    def _body(self, body: bytes) -> dict[str, Any]:
        try:
            parsed = json.loads(body or b"{}")
        except ValueError:
            raise self._errors.serialization("The request body is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise self._errors.serialization("The request body must be a JSON object")
        return parsed

    def _checks(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        try:
            return self._plan(operation, body)
        except (RequestShapeError, NotEmulatedError) as error:
            self.log.info("%s %s refused before authorization: %s", self.LABEL, operation, error)
            raise self._errors.validation(str(error)) from None

    def _authorize(
        self, caller: Caller, operation: str, checks: list[Check], request: wire.Request
    ) -> None:
        policies = self._policies(caller)
        # The principal's keys, then the request's: a Caller cannot claim another source IP.
        request_keys = condition_keys(request=request, now=self._clock(), region=self._region)
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
                self.log.info(
                    "%s %s by %s denied: %s",
                    self.LABEL,
                    operation,
                    caller.assumed_role_arn,
                    decision.reason,
                )
                denied = Denied(caller.assumed_role_arn, check.action, check.resource, decision)
                raise self._errors.access_denied(denied)

    # ------------------------------------------------------------------ moto
    def _forward(
        self, request: wire.Request, operation: str, body: Mapping[str, Any], request_id: str
    ) -> wire.Response:
        headers = {
            name: value
            for name in self.FORWARDED_REQUEST_HEADERS
            if (value := request.header(name)) is not None
        }
        # moto keeps one store per account: this stack's, whatever the access key says.
        headers[ACCOUNT_HEADER] = self._account_id
        headers.update(self._upstream_headers)  # the sealed back-end's key
        try:
            answer = self._session.post(
                self._upstream, data=request.body, headers=headers, timeout=self._timeout
            )
        except requests.RequestException as error:
            self.log.error("%s %s: the emulator did not answer: %s", self.LABEL, operation, error)
            return self._errors.render(self._errors.internal_error(), request_id)
        return self._answer(answer, operation, body, request_id)
