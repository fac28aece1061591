"""The DynamoDB endpoint a function talks to: SigV4 and IAM as DynamoDB applies them, then moto.

moto does not check signatures or policies (unless configured with its own IAM users), so the
offline stack answers DynamoDB calls here first, in DynamoDB's order
(docs/aws-behaviour.md#dynamodb-refusals):

1. the X-Amz-Target must name a DynamoDB operation (UnknownOperationException);
2. the SigV4 signature must verify for service "dynamodb" in the stack's region, with a
   credential the stack issued (MissingAuthenticationToken / IncompleteSignature /
   InvalidSignature / UnrecognizedClient / ExpiredToken). DynamoDB allows 15 minutes of clock
   skew, not the usual 5 (docs/aws-behaviour.md#clock-skew);
3. the caller's role must allow every (action, resource) the request needs (operations.py),
   else AccessDeniedException naming the first refused pair;
4. only then is the request passed to moto, body and the headers it reads unchanged, and
   moto's answer returned.

A refused request never reaches moto. Logs name the caller, operation and reason; never the
Authorization header, a session token or the body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import requests

from guestapi.offline import iam, sigv4, wire
from guestapi.offline.dynamodb import errors
from guestapi.offline.dynamodb.callers import Caller, ContextValue, LookupCaller, fail_closed
from guestapi.offline.dynamodb.emulator import ACCOUNT_HEADER
from guestapi.offline.dynamodb.operations import (
    Check,
    NotEmulatedError,
    Planner,
    RequestShapeError,
    operation_of,
)
from guestapi.offline.dynamodb.tables import TableSpec
from guestapi.offline.iam.callers import Denied

_log = logging.getLogger(__name__)

SERVICE = "dynamodb"
MAX_SKEW = timedelta(minutes=15)
# What moto reads of a request; everything else (the session token above all) stays here.
_FORWARDED_REQUEST_HEADERS = ("content-type", "x-amz-target", "authorization", "x-amz-date")
# What DynamoDB answers carry besides the body (Content-Length is the server's business).
_RETURNED_HEADERS = ("x-amzn-RequestId", "x-amz-crc32")


class DynamoDbFrontDoor:
    """Authenticates and authorizes DynamoDB calls of a stack's callers, forwarding the allowed.

    `upstream` is the moto endpoint (DynamoDbEmulator.endpoint). `lookup_caller` maps an access
    key id to the Caller it was issued to, or None. `tables` (by name) lets the front door
    compute `dynamodb:LeadingKeys`.
    """

    def __init__(
        self,
        *,
        region: str,
        account_id: str,
        upstream: str,
        lookup_caller: LookupCaller,
        partition: str = "aws",
        tables: Mapping[str, TableSpec] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: float = 30.0,
    ) -> None:
        self._region = region
        self._account_id = account_id
        self._upstream = upstream.rstrip("/") + "/"
        self._lookup_caller = lookup_caller
        self._planner = Planner(region, account_id, partition, dict(tables or {}))
        self._clock = clock
        self._timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False  # never through a developer's HTTP proxy

    def close(self) -> None:
        self._session.close()

    def handle(self, request: wire.Request) -> wire.Response:
        request_id = errors.new_request_id()
        try:
            operation = self._operation(request)
            caller = self._authenticate(request, operation)
            checks = self._checks(operation, request.body)
            self._authorize(caller, operation, checks, request)
        except errors.DynamoDbError as refusal:
            return errors.render(refusal, request_id)
        return self._forward(request, operation, request_id)

    # ------------------------------------------------------------------ steps
    def _operation(self, request: wire.Request) -> str:
        operation = operation_of(request.header("x-amz-target"))
        if operation is None:
            raise errors.unknown_operation()
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
                service=SERVICE,
                now=self._clock(),
                lookup=lookup,
                max_skew=MAX_SKEW,
            )
        except sigv4.SigV4Error as error:
            # str(error) is the log-safe reason; error.message may echo a signed token.
            _log.info("DynamoDB %s refused: %s", operation, error)
            raise errors.signature_refused(error) from None
        return found[verified.credential.access_key_id]

    def _checks(self, operation: str, body: bytes) -> list[Check]:
        try:
            parsed = json.loads(body or b"{}")
        except ValueError:
            raise errors.serialization("The request body is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise errors.serialization("The request body must be a JSON object")
        try:
            return self._planner.checks(operation, parsed)
        except (RequestShapeError, NotEmulatedError) as error:
            _log.info("DynamoDB %s refused before authorization: %s", operation, error)
            raise errors.validation(str(error)) from None

    def _authorize(
        self, caller: Caller, operation: str, checks: list[Check], request: wire.Request
    ) -> None:
        policies = fail_closed(caller.policies)
        # The principal's keys, then the request's: a Caller cannot claim another source IP.
        base = {**caller.context, **self._request_context(request)}
        for check in checks:
            context: dict[str, ContextValue] = {**base, **check.context}
            decision = iam.evaluate(
                policies, action=check.action, resource=check.resource, context=context
            )
            if not decision.allowed:
                _log.info(
                    "DynamoDB %s by %s denied: %s",
                    operation,
                    caller.assumed_role_arn,
                    decision.reason,
                )
                denied = Denied(caller.assumed_role_arn, check.action, check.resource, decision)
                raise errors.access_denied(denied)

    def _request_context(self, request: wire.Request) -> dict[str, ContextValue]:
        now = self._clock()
        return {
            "aws:SourceIp": request.source_ip,
            "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": str(int(now.timestamp())),
            "aws:SecureTransport": "false",  # the offline endpoint is plain HTTP
            "aws:RequestedRegion": self._region,
            "aws:UserAgent": request.header("user-agent") or "",
        }

    # ------------------------------------------------------------------ moto
    def _forward(self, request: wire.Request, operation: str, request_id: str) -> wire.Response:
        headers = {
            name: value
            for name in _FORWARDED_REQUEST_HEADERS
            if (value := request.header(name)) is not None
        }
        # moto keeps one store per account: this stack's, whatever the access key says.
        headers[ACCOUNT_HEADER] = self._account_id
        try:
            answer = self._session.post(
                self._upstream, data=request.body, headers=headers, timeout=self._timeout
            )
        except requests.RequestException as error:
            _log.error("DynamoDB %s: the emulator did not answer: %s", operation, error)
            return errors.render(errors.internal_error(), request_id)
        return _response_of(answer)


def _response_of(answer: requests.Response) -> wire.Response:
    # moto labels its errors application/json; DynamoDB answers x-amz-json-1.0 throughout.
    content_type = answer.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        content_type = wire.JSON_1_0
    headers: list[tuple[str, str]] = [("Content-Type", content_type)]
    headers += [(name, value) for name in _RETURNED_HEADERS if (value := answer.headers.get(name))]
    return wire.Response(answer.status_code, headers, answer.content)
