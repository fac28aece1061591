"""The DynamoDB endpoint a function talks to: SigV4 and IAM as DynamoDB applies them, then moto.

The steps are the shared moto-backed front door's (`motoservice/front_door.py`), in DynamoDB's
order (docs/aws-behaviour.md#dynamodb-refusals), with what is DynamoDB's own:

- the signing name "dynamodb", and 15 minutes of clock skew, not the usual 5
  (docs/aws-behaviour.md#clock-skew);
- the checks of each operation (operations.py), with `dynamodb:LeadingKeys`, and policies made
  to fail closed on DynamoDB condition keys the offline stack does not compute (callers.py);
- DynamoDB's refusals on the wire (errors.py), and moto's answers relabelled
  `application/x-amz-json-1.0`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from guestapi.aws_constants import REQUEST_ID_HEADER
from guestapi.offline import wire
from guestapi.offline.dynamodb import errors
from guestapi.offline.dynamodb.callers import Caller, LookupCaller, fail_closed
from guestapi.offline.dynamodb.operations import Check, Planner, operation_of
from guestapi.offline.dynamodb.tables import TableSpec
from guestapi.offline.iam.model import PolicyDocument
from guestapi.offline.motoservice.front_door import MotoFrontDoor
from guestapi.offline.motoservice.server import Upstream

SERVICE = "dynamodb"
MAX_SKEW = timedelta(minutes=15)
# What DynamoDB answers carry besides the body (Content-Length is the server's business).
_RETURNED_HEADERS = (REQUEST_ID_HEADER, "x-amz-crc32")


class DynamoDbFrontDoor(MotoFrontDoor):
    """Authenticates and authorizes DynamoDB calls of a stack's callers, forwarding the allowed.

    `upstream` is the moto server (DynamoDbEmulator.upstream: URL and launch key). `lookup_caller` maps an access
    key id to the Caller it was issued to, or None. `tables` (by name) lets the front door
    compute `dynamodb:LeadingKeys`.
    """

    SERVICE = SERVICE
    LABEL = "DynamoDB"
    MAX_SKEW = MAX_SKEW
    log = logging.getLogger(__name__)

    def __init__(
        self,
        *,
        region: str,
        account_id: str,
        upstream: Upstream,
        lookup_caller: LookupCaller,
        partition: str = "aws",
        tables: Mapping[str, TableSpec] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: float = 30.0,
    ) -> None:
        super().__init__(
            region=region,
            account_id=account_id,
            upstream=upstream,
            lookup_caller=lookup_caller,
            dialect=errors,
            clock=clock,
            timeout=timeout,
        )
        self._planner = Planner(region, account_id, partition, dict(tables or {}))

    def _operation_of(self, target: str | None) -> str | None:
        return operation_of(target)

    def _plan(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        return self._planner.checks(operation, body)

    def _policies(self, caller: Caller) -> tuple[PolicyDocument, ...]:
        return fail_closed(caller.policies)

    def _answer(
        self,
        answer: requests.Response,
        operation: str,
        body: Mapping[str, Any],
        request_id: str,
    ) -> wire.Response:
        return _response_of(answer)  # moto's request id: DynamoDB's 52-character form


def _response_of(answer: requests.Response) -> wire.Response:
    # moto labels its errors application/json; DynamoDB answers x-amz-json-1.0 throughout.
    content_type = answer.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        content_type = wire.JSON_1_0
    headers: list[tuple[str, str]] = [("Content-Type", content_type)]
    headers += [(name, value) for name in _RETURNED_HEADERS if (value := answer.headers.get(name))]
    return wire.Response(answer.status_code, headers, answer.content)
