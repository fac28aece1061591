"""SSM's errors (docs/aws-behaviour.md#ssm-refusals). SSM speaks AWS JSON 1.1: errors are HTTP
400 with `{"__type":"<Code>","message":"..."}`, the bare code, as Cognito Identity's are; the
front layer's codes are `awsapi/errors.py`'s. Request ids are UUIDs.
"""

from __future__ import annotations

from guestapi.offline.awsapi.errors import AwsError


class ParameterNotFound(AwsError):
    """SSM's carries no message at all (moto's does: the front door drops it)."""

    code = "ParameterNotFound"


class ParameterAlreadyExists(AwsError):
    """moto's answer to PutParameter for a name that exists (emulator.py)."""

    code = "ParameterAlreadyExists"
