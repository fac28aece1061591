"""DynamoDB's refusals as they arrive on the wire (docs/aws-behaviour.md#dynamodb-refusals).

Captured DynamoDB answers (HTTP 400, `application/x-amz-json-1.0`, `x-amzn-RequestId`,
`x-amz-crc32` of the body, no `x-amzn-ErrorType`) come in two shapes:
- refusals of the shared AWS front layer ("coral"), for authentication and authorization:
  `{"__type":"com.amazon.coral.service#<Code>","message":"..."}`, and for AccessDeniedException
  with a capital `Message`;
- DynamoDB's own errors, `com.amazonaws.dynamodb.v20120810#<Code>` with `message` (these come
  from moto, forwarded as they are), except ValidationException, `com.amazon.coral.validate#`.
`wire.json_error` writes one shape (lower-case `message`, plus `x-amzn-ErrorType`), so the
coral answers are rendered here with `wire.json_response`.
"""

from __future__ import annotations

import zlib

from guestapi.offline import wire
from guestapi.offline.cfn.resources import UPPER_ALNUM, random_id
from guestapi.offline.iam.callers import Denied
from guestapi.offline.sigv4 import SigV4Error, SigV4ErrorKind

CORAL = "com.amazon.coral.service"
CORAL_VALIDATE = "com.amazon.coral.validate"  # DynamoDB's ValidationException
DYNAMODB = "com.amazonaws.dynamodb.v20120810"
# DynamoDB's wording; API Gateway says "Missing Authentication Token" for the same refusal.
MISSING_TOKEN_MESSAGE = "Request is missing Authentication Token"


class DynamoDbError(wire.AwsError):
    """A refusal with DynamoDB's namespace and message member for its code."""

    def __init__(
        self,
        code: str,
        message: str | None,
        *,
        namespace: str = CORAL,
        message_key: str = "message",
        status: int = 400,
    ) -> None:
        super().__init__(code, message, status)
        self.namespace = namespace
        self.message_key = message_key


def new_request_id() -> str:
    # DynamoDB request ids are 52 upper-case letters and digits.
    return random_id(UPPER_ALNUM, 52)


def render(error: DynamoDbError, request_id: str) -> wire.Response:
    payload = {"__type": f"{error.namespace}#{error.code}"}
    if error.message is not None:
        payload[error.message_key] = error.message
    response = wire.json_response(
        payload, content_type=wire.JSON_1_0, request_id=request_id, status=error.status
    )
    with_crc32(response)
    return response


def with_crc32(response: wire.Response) -> wire.Response:
    # botocore checks x-amz-crc32 on DynamoDB answers when present, and retries on mismatch.
    response.headers.append(("x-amz-crc32", str(zlib.crc32(response.body))))
    return response


def signature_refused(error: SigV4Error) -> DynamoDbError:
    message = MISSING_TOKEN_MESSAGE if error.kind is SigV4ErrorKind.MISSING_TOKEN else error.message
    return DynamoDbError(error.kind.value, message)


def access_denied(denied: Denied) -> DynamoDbError:
    return DynamoDbError("AccessDeniedException", denied.message(), message_key="Message")


def unknown_operation() -> DynamoDbError:
    # No message member at all for this one.
    return DynamoDbError("UnknownOperationException", None)


def serialization(message: str) -> DynamoDbError:
    return DynamoDbError("SerializationException", message)


def validation(message: str) -> DynamoDbError:
    return DynamoDbError("ValidationException", message, namespace=CORAL_VALIDATE)


def internal_error() -> DynamoDbError:
    return DynamoDbError(
        "InternalServerError", "Internal server error", namespace=DYNAMODB, status=500
    )
