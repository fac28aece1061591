"""The errors every AWS API served offline may answer, and the base class of each service's own.

As moto's `exceptions.py` modules: one class per AWS error code, carrying its HTTP status and,
where AWS words it one way, its message. Each service package's `errors.py` holds its own codes;
this module holds the base and the codes of AWS's shared front layer (unknown operation,
malformed body, signature, IAM, internal error), which every service renders in its protocol.
No other module of the offline stack writes an error code (tests/unit/test_error_codes.py).
"""

from __future__ import annotations

from guestapi.offline.sigv4 import SigV4Error


class AwsError(Exception):
    """A refused call as AWS answers it: a code, a status and a message, `fixed` where AWS words
    it one way (None when AWS sends none). How it looks on the wire is its protocol's business
    (`protocols.py`)."""

    code = ""
    status = 400
    fixed: str | None = None

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message is not None else self.fixed
        super().__init__(self.message or self.code)


# --- AWS's front layer -----------------------------------------------------------------------
class UnknownOperationException(AwsError):
    """An X-Amz-Target naming no operation of the service: no message at all
    (docs/aws-behaviour.md#cognito-errors)."""

    code = "UnknownOperationException"


class InvalidAction(AwsError):
    """The Query protocol's unknown Action (or API version)."""

    code = "InvalidAction"

    @classmethod
    def of(cls, action: str, version: str) -> InvalidAction:
        return cls(f"Could not find operation {action} for version {version}")


class SerializationException(AwsError):
    """An AWS JSON body that is no JSON object, or a member of the wrong JSON type."""

    code = "SerializationException"
    NOT_JSON = "The request body is not valid JSON."
    NOT_AN_OBJECT = "The request body must be a JSON object."


class ValidationException(AwsError):
    """A constraint violation, in AWS JSON services (`violations` words the message)."""

    code = "ValidationException"


class AccessDeniedException(AwsError):
    """IAM refused the caller (the message: `iam.callers.Denied.message`)."""

    code = "AccessDeniedException"


class InternalServerError(AwsError):
    code = "InternalServerError"
    status = 500
    fixed = "Internal server error"


class Relayed(AwsError):
    """An error another server answered (moto), relayed under its own code and status."""

    def __init__(self, code: str, message: str | None, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class SignatureRefused(AwsError):
    """A SigV4 refusal: its code is the refusal kind's (sigv4/errors.py), its message AWS's."""

    def __init__(self, error: SigV4Error) -> None:
        super().__init__(error.message)
        self.code = error.kind.value
