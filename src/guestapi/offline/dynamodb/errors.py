"""DynamoDB's refusals as they arrive on the wire (docs/aws-behaviour.md#dynamodb-refusals).

Captured DynamoDB answers (HTTP 400, `application/x-amz-json-1.0`, `x-amzn-RequestId`,
`x-amz-crc32` of the body, no `x-amzn-ErrorType`) come in two shapes:
- refusals of the shared AWS front layer ("coral"), for authentication and authorization:
  `{"__type":"com.amazon.coral.service#<Code>","message":"..."}`, and for AccessDeniedException
  with a capital `Message`;
- DynamoDB's own errors, `com.amazonaws.dynamodb.v20120810#<Code>` with `message` (these come
  from moto, forwarded as they are), except ValidationException, `com.amazon.coral.validate#`.
The codes are `awsapi/errors.py`'s; this module gives DynamoDB's way of writing them, for
`awsapi.Json`.
"""

from __future__ import annotations

from guestapi.offline.awsapi.errors import (
    AccessDeniedException,
    AwsError,
    InternalServerError,
    ValidationException,
)
from guestapi.offline.cfn.resources import UPPER_ALNUM, random_id

CORAL = "com.amazon.coral.service"
NAMESPACES = {
    ValidationException.code: "com.amazon.coral.validate",
    InternalServerError.code: "com.amazonaws.dynamodb.v20120810",
}
MESSAGE_KEYS = {AccessDeniedException.code: "Message"}
# DynamoDB's wording; API Gateway says "Missing Authentication Token" for the same refusal.
MISSING_TOKEN_MESSAGE = "Request is missing Authentication Token"


def new_request_id() -> str:
    # DynamoDB request ids are 52 upper-case letters and digits.
    return random_id(UPPER_ALNUM, 52)


class ResourceInUseException(AwsError):
    """moto's answer to CreateTable for a table that exists (emulator.py)."""

    code = "ResourceInUseException"
