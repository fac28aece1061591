"""STS AssumeRoleWithWebIdentity for Cognito OpenID tokens (basic / classic flow, second half).

Query protocol, served at the same endpoint as Cognito Identity. The token must be one this
stack's `CognitoIdentityService.GetOpenIdToken` issued. Classic flow is refused at GetOpenIdToken,
so STS only validates the token and evaluates the role's trust policy with the token's aud / amr /
sub, as real STS does. Facts and sources: docs/aws-behaviour.md#assumerolewithwebidentity.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from guestapi.offline.awsapi import AwsService, Call, Query
from guestapi.offline.awsapi.validation import Member, validate
from guestapi.offline.cognito import CognitoIdentityService
from guestapi.offline.cognito.openid import MalformedTokenError, OpenIdTokenError, TokenExpiredError
from guestapi.offline.credentials import CredentialStore, StoreFull, WebIdentity
from guestapi.offline.iam.policy import evaluate_trust
from guestapi.offline.iam.trust import TrustEvaluator, evaluate_role_trust
from guestapi.offline.sts.errors import (
    AccessDenied,
    ExpiredTokenException,
    InvalidIdentityToken,
    Throttling,
    ValidationError,
)

if TYPE_CHECKING:
    from guestapi.offline.stack import Stack

# AssumeRoleWithWebIdentity's members as the API reference constrains them.
MEMBERS = (
    Member("RoleArn", "roleArn", required=True, low=20, high=2048),
    Member(
        "RoleSessionName", "roleSessionName", required=True, low=2, high=64, pattern=r"[\w+=,.@-]*"
    ),
    # Never echoed back: it is a credential.
    Member(
        "WebIdentityToken", "webIdentityToken", required=True, low=4, high=20000, sensitive=True
    ),
    Member("DurationSeconds", "durationSeconds", int, low=900, high=43200),
)
_DEFAULT_DURATION = 3600


class StsService(AwsService):
    NAME = "sts"
    MAX_BODY = 64 * 1024
    INVALID = ValidationError
    protocol = Query("sts", malformed=ValidationError, max_fields=50)

    def __init__(
        self,
        stack: Stack,
        store: CredentialStore,
        cognito: CognitoIdentityService,
        *,
        clock: Callable[[], datetime],
        trust_evaluator: TrustEvaluator | None = None,
    ) -> None:
        self._stack = stack
        self._store = store
        self._cognito = cognito
        self._clock = clock
        self._trust = trust_evaluator or evaluate_trust
        self.operations = {"AssumeRoleWithWebIdentity": self._assume_role_with_web_identity}

    def _assume_role_with_web_identity(self, call: Call) -> dict[str, Any]:
        validate(call.params, MEMBERS, ValidationError)
        role_arn = call.logged["role"] = call.params["RoleArn"]
        duration = int(call.params.get("DurationSeconds", _DEFAULT_DURATION))
        try:
            claims = self._cognito.verify_open_id_token(call.params["WebIdentityToken"])
        except TokenExpiredError as exc:
            call.detail = "token expired"
            raise ExpiredTokenException(exc.now, exc.expires) from exc
        except MalformedTokenError as exc:
            call.detail = str(exc)
            raise InvalidIdentityToken.not_a_jwt() from exc
        except OpenIdTokenError as exc:
            call.detail = str(exc)
            raise InvalidIdentityToken.not_validated() from exc
        call.logged["identity"] = claims.subject
        call.logged["pool"] = claims.audience

        role = self._stack.roles.get(role_arn)
        if role is None:
            call.detail = "no such role in the stack"
            raise AccessDenied()
        decision = evaluate_role_trust(
            self._trust,
            role,
            pool_id=claims.audience,
            identity_id=claims.subject,
            amr=claims.amr,
        )
        if not decision.allowed:
            call.detail = f"trust policy refused: {decision.reason}"
            raise AccessDenied()
        if duration > role.max_session_duration:
            raise ValidationError.duration_over_role_max()
        try:
            credential = self._store.issue(
                ttl=timedelta(seconds=duration),
                role=role,
                session_name=call.params["RoleSessionName"],
                web_identity=WebIdentity.from_amr(claims.subject, claims.audience, claims.amr),
            )
        except StoreFull as full:
            raise Throttling(f"{full}.") from None
        call.logged["key"] = credential.access_key_id
        # In the order real STS writes them (docs/aws-behaviour.md#assumerolewithwebidentity).
        return {
            "SubjectFromWebIdentityToken": claims.subject,
            "Audience": claims.audience,
            "AssumedRoleUser": {
                "Arn": credential.assumed_role_arn,
                "AssumedRoleId": credential.caller,
            },
            "Credentials": {
                "SessionToken": credential.session_token,
                "SecretAccessKey": credential.secret_access_key,
                "Expiration": _iso8601(credential.expiration),
                "AccessKeyId": credential.access_key_id,
            },
            # For OpenID Connect tokens Provider is the token's iss (API reference).
            "Provider": claims.issuer,
        }


def _iso8601(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
