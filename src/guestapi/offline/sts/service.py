"""STS AssumeRoleWithWebIdentity for Cognito OpenID tokens (basic / classic flow, second half).

Query protocol, served at the same endpoint as Cognito Identity. The token must be one this
stack's `CognitoIdentityService.GetOpenIdToken` issued. Classic flow is refused at GetOpenIdToken,
so STS only validates the token and evaluates the role's trust policy with the token's aud / amr /
sub, as real STS does. Facts and sources: docs/aws-behaviour.md#assumerolewithwebidentity.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from guestapi.offline.awsapi import AwsService, Call, Query
from guestapi.offline.awsapi.errors import bad_length, bad_pattern, bad_value, null, violations
from guestapi.offline.cognito import CognitoIdentityService
from guestapi.offline.cognito.openid import MalformedTokenError, OpenIdTokenError, TokenExpiredError
from guestapi.offline.credentials import CredentialStore, StoreFull, WebIdentity
from guestapi.offline.iam.trust import TrustEvaluator, default_trust_evaluator, evaluate_role_trust
from guestapi.offline.sts.errors import (
    AccessDenied,
    ExpiredTokenException,
    InvalidIdentityToken,
    Throttling,
    ValidationError,
)

if TYPE_CHECKING:
    from guestapi.offline.stack import Stack

# API reference limits for AssumeRoleWithWebIdentity.
_MIN_DURATION = 900
_MAX_DURATION = 43200
_DEFAULT_DURATION = 3600
_SESSION_NAME_PATTERN = r"[\w+=,.@-]*"


@dataclass(frozen=True)
class _Request:
    role_arn: str
    session_name: str
    token: str
    duration: int


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
        log: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(log)
        self._stack = stack
        self._store = store
        self._cognito = cognito
        self._clock = clock
        self._trust = trust_evaluator or default_trust_evaluator()
        self.operations = {"AssumeRoleWithWebIdentity": self._assume_role_with_web_identity}

    def _assume_role_with_web_identity(self, call: Call) -> dict[str, Any]:
        req = _request_from(call.params)
        call.logged["role"] = req.role_arn
        try:
            claims = self._cognito.verify_open_id_token(req.token)
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

        role = self._stack.roles.get(req.role_arn)
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
        if req.duration > role.max_session_duration:
            raise ValidationError.duration_over_role_max()
        try:
            credential = self._store.issue(
                ttl=timedelta(seconds=req.duration),
                role=role,
                session_name=req.session_name,
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


def _request_from(params: Mapping[str, str]) -> _Request:
    problems: list[str] = []

    def field(name: str, path: str, lo: int, hi: int, pattern: str | None = None) -> str:
        value = params.get(name)
        if value is None:
            problems.append(null(path))
            return ""
        if not lo <= len(value) <= hi:
            problems.append(bad_length(value, path, lo, hi))
        if pattern is not None and not re.fullmatch(pattern, value):
            problems.append(bad_pattern(value, path, pattern))
        return value

    role_arn = field("RoleArn", "roleArn", 20, 2048)
    session_name = field("RoleSessionName", "roleSessionName", 2, 64, _SESSION_NAME_PATTERN)
    # Never echo the token back: it is a credential.
    token = params.get("WebIdentityToken")
    if token is None:
        problems.append(null("webIdentityToken"))
    elif not 4 <= len(token) <= 20000:
        problems.append(
            "Value at 'webIdentityToken' failed to satisfy constraint: "
            "Member must have length between 4 and 20000"
        )
    duration = _duration(params.get("DurationSeconds"), problems)
    if problems:
        raise ValidationError(violations(problems))
    return _Request(
        role_arn=role_arn, session_name=session_name, token=token or "", duration=duration
    )


def _duration(raw: str | None, problems: list[str]) -> int:
    if raw is None:
        return _DEFAULT_DURATION
    if not re.fullmatch(r"-?\d{1,12}", raw):
        problems.append(bad_value(raw, "durationSeconds", "be an integer"))
        return _DEFAULT_DURATION
    duration = int(raw)
    if duration < _MIN_DURATION:
        constraint = f"have value greater than or equal to {_MIN_DURATION}"
        problems.append(bad_value(duration, "durationSeconds", constraint))
    elif duration > _MAX_DURATION:
        constraint = f"have value less than or equal to {_MAX_DURATION}"
        problems.append(bad_value(duration, "durationSeconds", constraint))
    return duration


def _iso8601(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
