"""Cognito Identity's own errors, worded as the real service words them where a capture shows it
(docs/aws-behaviour.md#cognito-errors). AWS JSON 1.1 errors are all HTTP 400.

The front layer's (UnknownOperationException, SerializationException, ValidationException,
AccessDeniedException, signature refusals) are `awsapi/errors.py`'s.
"""

from __future__ import annotations

from typing import Self

from guestapi.offline.awsapi.errors import AwsError


class ResourceNotFoundException(AwsError):
    code = "ResourceNotFoundException"

    @classmethod
    def pool(cls, pool_id: str) -> Self:
        return cls(f"IdentityPool '{pool_id}' not found.")

    @classmethod
    def identity(cls, identity_id: object) -> Self:
        return cls(f"Identity '{identity_id}' not found.")


class NotAuthorizedException(AwsError):
    code = "NotAuthorizedException"

    @classmethod
    def unauthenticated(cls) -> Self:
        return cls("Unauthenticated access is not supported for this identity pool.")

    @classmethod
    def unsupported_provider(cls) -> Self:
        return cls("Token is not from a supported provider of this identity pool.")

    @classmethod
    def logins_dont_match(cls) -> Self:
        return cls(
            "Logins don't match. Please include at least one valid login for this identity "
            "or identity pool."
        )

    @classmethod
    def invalid_login_token(cls, reason: str) -> Self:
        return cls(f"Invalid login token. {reason}")

    @classmethod
    def no_developer_provider(cls) -> Self:
        return cls("This identity pool does not support the specified developer provider")


class InvalidIdentityPoolConfigurationException(AwsError):
    """No usable role: `detail` (for the log line only) says why; the caller sees AWS's text."""

    code = "InvalidIdentityPoolConfigurationException"

    fixed = "Invalid identity pool configuration. Check assigned IAM roles for this pool."

    def __init__(self, detail: str) -> None:
        super().__init__()
        self.detail = detail


class InvalidParameterException(AwsError):
    code = "InvalidParameterException"

    @classmethod
    def classic_flow_disabled(cls) -> Self:
        return cls("Basic (classic) flow is not enabled, please use enhanced flow.")


class TooManyRequestsException(AwsError):
    """A full identity or credential store (the offline stack's bound, its own wording)."""

    code = "TooManyRequestsException"


class DeveloperUserAlreadyRegisteredException(AwsError):
    code = "DeveloperUserAlreadyRegisteredException"
    fixed = (
        "The developer user identifier is already registered with Cognito under a different "
        "identity ID."
    )
