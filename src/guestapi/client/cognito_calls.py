"""The Cognito Identity and STS calls of the guest flows, and what their refusals mean.

Every call is unsigned (`UNSIGNED`): a guest has no AWS credentials to sign with. A refusal
becomes a `GuestCredentialsError` naming the operation, AWS's code and message, and a hint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from guestapi.errors import GuestApiError

# The session name Cognito itself uses for enhanced-flow credentials; the basic flow uses it too
# so that AccessDenied messages look the same whichever flow produced the keys.
ROLE_SESSION_NAME = "CognitoIdentityCredentials"

# What to do about each error code Cognito Identity / STS may answer on the guest path.
_HINTS: Mapping[str, str] = {
    "ResourceNotFoundException": (
        "check the IdentityPoolId and Region outputs: the pool must exist in the region you call"
    ),
    "NotAuthorizedException": (
        "the identity pool must allow guests (AllowUnauthenticatedIdentities: true)"
    ),
    "InvalidIdentityPoolConfigurationException": (
        "the pool needs an unauthenticated role whose trust policy accepts this pool "
        "(IdentityPoolRoleAttachment and GuestRole in template.yaml)"
    ),
    "InvalidParameterException": (
        "for 'Basic (classic) flow is not enabled': the pool has AllowClassicFlow false, "
        "use the enhanced flow (the default)"
    ),
    "TooManyRequestsException": "Cognito throttled the call (GetId quota is 25/s by default); retry later",
    "LimitExceededException": "the identity pool hit a Cognito limit; retry later or raise the quota",
    "AccessDenied": (
        "STS refused the role: its trust policy must accept this pool's unauthenticated identities"
    ),
    "InvalidIdentityToken": "STS did not accept the Cognito OpenID token for this role",
}
_CONNECTION_HINT = (
    "check the network, the Region output, and the Cognito endpoint override if you use one"
)


class GuestCredentialsError(GuestApiError):
    """Cognito Identity (or STS, in the basic flow) refused to hand out guest credentials."""

    def __init__(self, operation: str, code: str, message: str, hint: str) -> None:
        self.operation = operation
        self.code = code
        self.service_message = message
        self.hint = hint
        super().__init__(f"{operation} failed: {code}: {message} ({hint})")


@dataclass(frozen=True)
class GuestCredentials:
    """One set of temporary guest keys. The secret and the token never appear in repr()."""

    identity_id: str
    access_key_id: str
    secret_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
    # When they were issued: the service's Date header if it sent one (so a lifetime computed
    # from it is not skewed by the local clock), else the local clock at receipt.
    issued_at: datetime

    @property
    def lifetime(self) -> timedelta:
        return self.expiration - self.issued_at


def unsigned_client(service: str, region: str, endpoint_url: str | None) -> Any:
    # Standard retries (throttling, transient network errors); the attempt count is left to
    # botocore's usual settings (AWS_MAX_ATTEMPTS, max_attempts in ~/.aws/config).
    config = Config(signature_version=UNSIGNED, retries={"mode": "standard"})
    try:
        return botocore.session.get_session().create_client(
            service, region_name=region, endpoint_url=endpoint_url, config=config
        )
    except BotoCoreError as exc:
        raise GuestCredentialsError(
            "create client", type(exc).__name__, str(exc), _CONNECTION_HINT
        ) from None


def call(client: Any, operation: str, method: str, **params: Any) -> dict[str, Any]:
    """One unsigned call; a refusal or a connection failure becomes a GuestCredentialsError."""
    try:
        return getattr(client, method)(**params)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code") or "UnknownError"
        raise GuestCredentialsError(
            operation,
            code,
            error.get("Message") or "(no message)",
            _HINTS.get(code, "see the message; AWS documents each error code per operation"),
        ) from None
    except ParamValidationError:
        # Its text may quote a parameter value, and a parameter may be a token: not shown.
        raise GuestCredentialsError(
            operation,
            "ParamValidationError",
            "botocore refused the request parameters (values not shown)",
            "check the IdentityPoolId, GuestRoleArn and Region outputs",
        ) from None
    except BotoCoreError as exc:
        raise GuestCredentialsError(
            operation, type(exc).__name__, str(exc), _CONNECTION_HINT
        ) from None


def enhanced_flow(
    cognito: Any,
    identity_id: str,
    clock: Callable[[], datetime],
    logins: Mapping[str, str] | None = None,
) -> GuestCredentials:
    """GetCredentialsForIdentity: Cognito assumes the pool's guest role for the identity, or,
    with `logins` (an attested install's {"cognito-identity.amazonaws.com": token}), the pool's
    authenticated role."""
    params: dict[str, Any] = {"IdentityId": identity_id}
    if logins:
        params["Logins"] = dict(logins)
    answer = call(cognito, "GetCredentialsForIdentity", "get_credentials_for_identity", **params)
    c = answer["Credentials"]
    return GuestCredentials(
        identity_id=answer.get("IdentityId", identity_id),
        access_key_id=c["AccessKeyId"],
        secret_key=c["SecretKey"],
        session_token=c["SessionToken"],
        expiration=aware(c["Expiration"]),
        issued_at=issued_at(answer, clock),
    )


def basic_flow(
    cognito: Any, sts: Any, identity_id: str, role_arn: str, clock: Callable[[], datetime]
) -> GuestCredentials:
    """GetOpenIdToken, then STS AssumeRoleWithWebIdentity with that token for `role_arn`."""
    token = call(cognito, "GetOpenIdToken", "get_open_id_token", IdentityId=identity_id)["Token"]
    answer = call(
        sts,
        "AssumeRoleWithWebIdentity",
        "assume_role_with_web_identity",
        RoleArn=role_arn,
        RoleSessionName=ROLE_SESSION_NAME,
        WebIdentityToken=token,
    )
    c = answer["Credentials"]
    return GuestCredentials(
        identity_id=identity_id,
        access_key_id=c["AccessKeyId"],
        secret_key=c["SecretAccessKey"],
        session_token=c["SessionToken"],
        expiration=aware(c["Expiration"]),
        issued_at=issued_at(answer, clock),
    )


def issued_at(answer: Mapping[str, Any], clock: Callable[[], datetime]) -> datetime:
    """The service's Date header when it sent one (not skewed by the local clock), else now."""
    date = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if date:
        try:
            return aware(parsedate_to_datetime(date))
        except (TypeError, ValueError):
            pass
    return clock()


def aware(value: datetime | str) -> datetime:
    """botocore parses timestamps into aware datetimes; be safe with naive or string values."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
