"""DynamoDB's way of writing the front layer's codes, for `awsapi.Json`
(docs/aws-behaviour.md#dynamodb-refusals): `com.amazon.coral.service#<Code>` with `message` (a
capital `Message` for AccessDeniedException), ValidationException under
`com.amazon.coral.validate`, DynamoDB's own errors (moto's, forwarded) under
`com.amazonaws.dynamodb.v20120810`, `x-amz-crc32` and no `x-amzn-ErrorType`.
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
