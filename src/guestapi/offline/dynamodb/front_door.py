"""The DynamoDB endpoint a function talks to: the shared moto front door
(`motoservice/front_door.py`) with what is DynamoDB's own: 15 minutes of clock skew
(docs/aws-behaviour.md#clock-skew), `dynamodb:LeadingKeys` (operations.py), the DynamoDB keys it
does not compute made deny-only (`KEYS`), its refusals' shape (errors.py), and moto's answers
relabelled `application/x-amz-json-1.0`.
"""

from __future__ import annotations

from datetime import timedelta

import requests

from guestapi.aws_constants import REQUEST_ID_HEADER
from guestapi.offline import wire
from guestapi.offline.awsapi import Call, Json
from guestapi.offline.dynamodb import errors
from guestapi.offline.motoservice.callers import ServiceKeys
from guestapi.offline.motoservice.front_door import MotoFrontDoor

# What DynamoDB answers carry besides the body (Content-Length is the server's business).
_RETURNED_HEADERS = (REQUEST_ID_HEADER, "x-amz-crc32")


class DynamoDbFrontDoor(MotoFrontDoor):
    """Authenticates and authorizes DynamoDB calls of a stack's callers, forwarding the allowed
    (its `operations.Planner` knows the tables, for `dynamodb:LeadingKeys`)."""

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
