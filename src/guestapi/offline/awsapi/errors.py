"""The errors every AWS API served offline may answer, and the base class of each service's own.

As moto's `exceptions.py` modules: one class per AWS error code, carrying its HTTP status and,
where AWS words it one way, its message. Each service package's `errors.py` holds its own codes;
this module holds the base and the codes of AWS's shared front layer (unknown operation,
malformed body, signature, IAM, internal error), which every service renders in its protocol.
No other module of the offline stack writes an error code (tests/unit/test_error_codes.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from guestapi.offline.sigv4 import SigV4Error


class AwsError(Exception):
    """A refused call as AWS answers it: a code, a message (None when AWS sends none), a status.
    How it looks on the wire is its protocol's business (`protocols.py`)."""

    code = ""
    status = 400

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.code)
        self.message = message


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

    def __init__(self) -> None:
        super().__init__("Internal server error")


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


# --- how AWS's service framework words constraint violations --------------------------------
def violations(problems: Sequence[str]) -> str:
    """'1 validation error detected: ...' / 'N validation errors detected: a; b'."""
    noun = "validation error" if len(problems) == 1 else "validation errors"
    return f"{len(problems)} {noun} detected: " + "; ".join(problems)


def null(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


def bad_value(value: object, path: str, constraint: str) -> str:
    return f"Value '{value}' at '{path}' failed to satisfy constraint: Member must {constraint}"


def bad_length(value: str, path: str, low: int, high: int | None) -> str:
    bound = (
        f"greater than or equal to {low}" if len(value) < low else f"less than or equal to {high}"
    )
    return bad_value(value, path, f"have length {bound}")


def bad_pattern(value: str, path: str, pattern: str) -> str:
    return bad_value(value, path, f"satisfy regular expression pattern: {pattern}")


def too_large(size: int, limit: int) -> str:
    """A body over the service's limit (the offline stack's wording)."""
    return f"Request body is {size} bytes; the limit is {limit}."
