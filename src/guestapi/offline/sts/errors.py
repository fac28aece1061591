"""STS's errors for AssumeRoleWithWebIdentity, as the real service words them where a capture
shows it (docs/aws-behaviour.md#sts-errors). The Query protocol's InvalidAction is
`awsapi/errors.py`'s.
"""

from __future__ import annotations

from typing import Self

from guestapi.offline.awsapi.errors import AwsError


class InvalidIdentityToken(AwsError):
    code = "InvalidIdentityToken"  # botocore's InvalidIdentityTokenException

    @classmethod
    def not_a_jwt(cls) -> Self:
        return cls(
            "The ID Token provided is not a valid JWT. (You may see this error if you sent an "
            "Access Token)"
        )

    @classmethod
    def not_validated(cls) -> Self:
        return cls(
            "The web identity token that was passed could not be validated by AWS. Get a new "
            "identity token from the identity provider and then retry the request."
        )


class ExpiredTokenException(AwsError):
    code = "ExpiredTokenException"

    def __init__(self, now: object, expires: object) -> None:
        super().__init__(
            f"Token expired: current date/time {now} must be before the expiration date/time "
            f"{expires}"
        )


class AccessDenied(AwsError):
    """Trust refused, or no such role: real STS tells an anonymous caller neither apart."""

    code = "AccessDenied"
    status = 403
    fixed = "Not authorized to perform sts:AssumeRoleWithWebIdentity"


class ValidationError(AwsError):
    """The Query protocol's constraint violation (`awsapi.errors.violations` words it)."""

    code = "ValidationError"

    @classmethod
    def duration_over_role_max(cls) -> Self:
        return cls(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )


class Throttling(AwsError):
    """STS's throttling code (HTTP 400): here, a full credential store."""

    code = "Throttling"
