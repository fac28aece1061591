"""The DynamoDB endpoint a function talks to: SigV4 and IAM as DynamoDB applies them, then moto.

The steps are the shared moto-backed front door's (`motoservice/front_door.py`), in DynamoDB's
order (docs/aws-behaviour.md#dynamodb-refusals), with what is DynamoDB's own:

- the signing name "dynamodb", and 15 minutes of clock skew, not the usual 5
  (docs/aws-behaviour.md#clock-skew);
- the checks of each operation (operations.py), with `dynamodb:LeadingKeys`;
- DynamoDB condition keys the offline stack does not compute (`dynamodb:Attributes`,
  `dynamodb:Select`, ...) would be *missing* from the context, and a fine-grained Allow would
  then allow everything: statements that use them can only deny (`KEYS`, see
  `motoservice.callers.fail_closed`);
- DynamoDB's refusals on the wire (errors.py), and moto's answers relabelled
  `application/x-amz-json-1.0`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from guestapi.aws_constants import REQUEST_ID_HEADER
from guestapi.offline import wire
from guestapi.offline.awsapi import Call, Json
from guestapi.offline.dynamodb import errors
from guestapi.offline.dynamodb.operations import Check, Planner
from guestapi.offline.dynamodb.tables import TableSpec
from guestapi.offline.motoservice.callers import LookupCaller, ServiceKeys
from guestapi.offline.motoservice.front_door import MotoFrontDoor
from guestapi.offline.motoservice.server import Upstream

# What DynamoDB answers carry besides the body (Content-Length is the server's business).
_RETURNED_HEADERS = (REQUEST_ID_HEADER, "x-amz-crc32")


class DynamoDbFrontDoor(MotoFrontDoor):
    """Authenticates and authorizes DynamoDB calls of a stack's callers, forwarding the allowed.

    `tables` (by name) lets the front door compute `dynamodb:LeadingKeys`.
    """

    NAME = "dynamodb"
    # Its largest request (BatchWriteItem, 25 items of 400 KB) stays under 16 MB.
    MAX_BODY = 16 * 1024 * 1024
    MAX_SKEW = timedelta(minutes=15)
    MISSING_TOKEN_MESSAGE = errors.MISSING_TOKEN_MESSAGE
    # The DynamoDB condition keys the front door computes (operations.py).
    KEYS = ServiceKeys(
        "DynamoDB", "dynamodb:", frozenset({"dynamodb:leadingkeys", "dynamodb:enclosingoperation"})
    )
    protocol = Json(
        "dynamodb",
        namespace=errors.CORAL,
        namespaces=errors.NAMESPACES,
        message_keys=errors.MESSAGE_KEYS,
        error_type_header=False,
        checksum=True,
        request_ids=errors.new_request_id,
    )

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
            clock=clock,
            timeout=timeout,
        )
        self._planner = Planner(region, account_id, partition, dict(tables or {}))

    def _plan(self, operation: str, body: Mapping[str, Any]) -> list[Check]:
        return self._planner.checks(operation, body)

    def _answer(self, answer: requests.Response, call: Call) -> wire.Response:
        # moto labels its errors application/json; DynamoDB answers x-amz-json-1.0 throughout.
        content_type = answer.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            content_type = self.protocol.content_type
        headers = [("Content-Type", content_type)]
        headers += [
            (name, value) for name in _RETURNED_HEADERS if (value := answer.headers.get(name))
        ]
        return wire.Response(answer.status_code, headers, answer.content)
