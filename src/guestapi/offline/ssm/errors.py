"""SSM's refusals as they arrive on the wire (docs/aws-behaviour.md#ssm-refusals).

SSM speaks AWS JSON 1.1 (`application/x-amz-json-1.1`): errors are HTTP 400 with
`{"__type":"<Code>","message":"..."}`, the bare code (no `com.amazon.coral...#` namespace, unlike
DynamoDB's), as Cognito Identity's are, so they are rendered with `wire.json_error`.
ParameterNotFound carries no message at all. Request ids are UUIDs.
"""

from __future__ import annotations

from guestapi.offline import wire
from guestapi.offline.iam.callers import Denied
from guestapi.offline.sigv4 import SigV4Error

new_request_id = wire.new_request_id


def render(error: wire.AwsError, request_id: str) -> wire.Response:
    return wire.json_error(error, content_type=wire.JSON_1_1, request_id=request_id)


def signature_refused(error: SigV4Error) -> wire.AwsError:
    return wire.AwsError(error.kind.value, error.message)


def access_denied(denied: Denied) -> wire.AwsError:
    return wire.AwsError("AccessDeniedException", denied.message())


def unknown_operation() -> wire.AwsError:
    # No message member at all for this one.
    return wire.AwsError("UnknownOperationException", None)


def parameter_not_found() -> wire.AwsError:
    return wire.AwsError("ParameterNotFound", None)


def serialization(message: str) -> wire.AwsError:
    return wire.AwsError("SerializationException", message)


def validation(message: str) -> wire.AwsError:
    return wire.AwsError("ValidationException", message)


def internal_error() -> wire.AwsError:
    return wire.AwsError("InternalServerError", "Internal server error", 500)
