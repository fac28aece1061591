"""What SigV4 verification answers: the refusal kinds, the error, and the verified caller.

Error kinds are the x-amzn-ErrorType values AWS services send for signature failures
(docs/aws-behaviour.md#sigv4-refusals). Which HTTP answer each becomes is the calling service's
business: API Gateway maps them to gateway response types, DynamoDB to its JSON errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SigV4ErrorKind(StrEnum):
    """Why a request was refused, named by the x-amzn-ErrorType AWS sends for it."""

    MISSING_TOKEN = "MissingAuthenticationTokenException"
    INCOMPLETE = "IncompleteSignatureException"
    INVALID_SIGNATURE = "InvalidSignatureException"
    UNRECOGNIZED_CLIENT = "UnrecognizedClientException"
    EXPIRED_TOKEN = "ExpiredTokenException"


@dataclass(frozen=True)
class KnownCredential:
    """What the credential store knows about an access key."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None
    expiration: datetime | None  # aware UTC

    def __repr__(self) -> str:  # never print the secret or the token
        return (
            f"KnownCredential(access_key_id={self.access_key_id!r}, expiration={self.expiration!r})"
        )


@dataclass(frozen=True)
class VerifiedCaller:
    credential: KnownCredential
    form: str  # "header" or "query"
    signed_headers: tuple[str, ...]


class SigV4Error(Exception):
    """A request refused by signature verification.

    `message` is the exact body text AWS returns to the caller; it may echo the caller's own
    canonical request (including a signed session token), so it is for the response only.
    `reason` (also `str(error)`) is short, free of credential material, and safe to log.
    """

    def __init__(self, kind: SigV4ErrorKind, message: str, reason: str) -> None:
        super().__init__(kind, reason)
        self.kind = kind
        self.message = message
        self.reason = reason

    @property
    def error_type(self) -> str:
        """The x-amzn-ErrorType value AWS sends with this refusal."""
        return self.kind.value

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.reason}"


def incomplete(message: str, reason: str) -> SigV4Error:
    return SigV4Error(SigV4ErrorKind.INCOMPLETE, message, reason)
