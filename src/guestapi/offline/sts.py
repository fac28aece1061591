"""STS AssumeRoleWithWebIdentity for Cognito OpenID tokens (basic / classic flow, second half).

Query protocol in (application/x-www-form-urlencoded), XML out, served at the same endpoint as
Cognito Identity. The token must be one this twin's `CognitoIdentityService.GetOpenIdToken` issued.

Where classic flow is refused: at GetOpenIdToken (see cognito/service.py), as the real service does, so a
pool with AllowClassicFlow false never yields a token STS could accept. STS itself only validates
the token and evaluates the role's trust policy with the token's aud / amr / sub, like real STS.

Codes, statuses and messages, and where each was confirmed:
- not a JWT: 400 InvalidIdentityToken "The ID Token provided is not a valid JWT. (You may see this
  error if you sent an Access Token)" (aws-amplify/amplify-js#9704, full ErrorResponse XML quoted)
- expired token: 400 ExpiredTokenException "Token expired: current date/time <now> must be before
  the expiration date/time <exp>" (awslabs/aws-orbit-workbench#707, aws/aws-sdk-java-v2#5709)
- trust refused / no such role: 403 AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity"
  (aws-amplify/aws-sdk-android#9: Status Code 403, Error Code AccessDenied)
- DurationSeconds above the role maximum: 400 ValidationError "The requested DurationSeconds exceeds
  the MaxSessionDuration set for this role." (kreuzwerker/awsu#27)
- error body: <ErrorResponse xmlns=...><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/>
  (amplify-js#9704, mozilla-iam/mozilla-aws-cli#146)
Chosen by the twin (no capture found): a JWT with a bad signature or issuer -> InvalidIdentityToken
with the API reference's description of that error; missing/invalid parameters -> ValidationError in
the "1 validation error detected: ..." form; unknown Action -> 400 InvalidAction.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from guestapi.offline.cognito import MAX_BODY_BYTES, CognitoIdentityService
from guestapi.offline.cognito.openid import MalformedTokenError, OpenIdTokenError, TokenExpiredError
from guestapi.offline.credentials import CredentialStore, StoreFull, WebIdentity
from guestapi.offline.iam.trust import TrustEvaluator, default_trust_evaluator, evaluate_role_trust
from guestapi.offline.wire import (
    AwsError,
    Response,
    loggable,
    new_request_id,
    query_error,
    xml_response,
    xml_text,
)

if TYPE_CHECKING:
    from guestapi.offline.stack import Stack

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
STS_VERSION = "2011-06-15"
_ACTION = "AssumeRoleWithWebIdentity"
# API reference limits for AssumeRoleWithWebIdentity.
_MIN_DURATION = 900
_MAX_DURATION = 43200
_DEFAULT_DURATION = 3600
_SESSION_NAME_PATTERN = r"[\w+=,.@-]*"
_MAX_FIELDS = 50

MSG_NOT_A_JWT = (
    "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
)
MSG_TOKEN_NOT_VALIDATED = (
    "The web identity token that was passed could not be validated by AWS. "
    "Get a new identity token from the identity provider and then retry the request."
)
MSG_TOKEN_EXPIRED = (
    "Token expired: current date/time {now} must be before the expiration date/time {exp}"
)
MSG_NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
MSG_DURATION_OVER_ROLE_MAX = (
    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
)


@dataclass(frozen=True)
class _Request:
    role_arn: str
    session_name: str
    token: str
    duration: int


class StsService:
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
        self._stack = stack
        self._store = store
        self._cognito = cognito
        self._clock = clock
        self._trust = trust_evaluator or default_trust_evaluator()
        self._log = log or logging.getLogger(__name__).info

    def handle(self, form_body: bytes) -> Response:
        """Serve one form-encoded STS call (Action=AssumeRoleWithWebIdentity&...)."""
        request_id = new_request_id()
        summary: dict[str, str] = {}
        try:
            if len(form_body) > MAX_BODY_BYTES:
                raise AwsError(
                    "ValidationError",
                    f"Request body is {len(form_body)} bytes; the limit is {MAX_BODY_BYTES}.",
                )
            params = _parse_form(form_body)
            action = params.get("Action", "")
            version = params.get("Version", STS_VERSION)
            if action != _ACTION or version != STS_VERSION:
                raise AwsError(
                    "InvalidAction", f"Could not find operation {action} for version {version}"
                )
            body = self._assume_role_with_web_identity(_request_from(params), summary, request_id)
        except AwsError as err:
            self._log_line(summary, f"{err.status} {err.code}")
            return query_error(err, namespace=STS_NAMESPACE, request_id=request_id)
        self._log_line(summary, "200")
        return xml_response(200, body, request_id)

    def _assume_role_with_web_identity(
        self, req: _Request, summary: dict[str, str], request_id: str
    ) -> bytes:
        summary["role"] = req.role_arn
        try:
            claims = self._cognito.verify_open_id_token(req.token)
        except TokenExpiredError as exc:
            summary["reason"] = "token expired"
            raise AwsError(
                "ExpiredTokenException", MSG_TOKEN_EXPIRED.format(now=exc.now, exp=exc.expires)
            ) from exc
        except MalformedTokenError as exc:
            summary["reason"] = str(exc)
            raise AwsError("InvalidIdentityToken", MSG_NOT_A_JWT) from exc
        except OpenIdTokenError as exc:
            summary["reason"] = str(exc)
            raise AwsError("InvalidIdentityToken", MSG_TOKEN_NOT_VALIDATED) from exc
        summary["identity"] = claims.subject
        summary["pool"] = claims.audience

        role = self._stack.roles.get(req.role_arn)
        if role is None:
            # Real STS cannot tell "no such role" from "trust refused" to an anonymous caller.
            summary["reason"] = "no such role in the stack"
            raise AwsError("AccessDenied", MSG_NOT_AUTHORIZED, status=403)
        decision = evaluate_role_trust(
            self._trust,
            role,
            pool_id=claims.audience,
            identity_id=claims.subject,
            amr=claims.amr,
        )
        if not decision.allowed:
            summary["reason"] = f"trust policy refused: {decision.reason}"
            raise AwsError("AccessDenied", MSG_NOT_AUTHORIZED, status=403)
        if req.duration > role.max_session_duration:
            raise AwsError("ValidationError", MSG_DURATION_OVER_ROLE_MAX)

        try:
            credential = self._store.issue(
                ttl=timedelta(seconds=req.duration),
                role=role,
                session_name=req.session_name,
                web_identity=WebIdentity.from_amr(claims.subject, claims.audience, claims.amr),
            )
        except StoreFull as full:
            # STS's throttling code (Query API): "Throttling", HTTP 400.
            raise AwsError("Throttling", f"{full}.") from None
        summary["key"] = credential.access_key_id

        root = ET.Element("AssumeRoleWithWebIdentityResponse", xmlns=STS_NAMESPACE)
        result = ET.SubElement(root, "AssumeRoleWithWebIdentityResult")
        xml_text(result, "SubjectFromWebIdentityToken", claims.subject)
        xml_text(result, "Audience", claims.audience)
        user = ET.SubElement(result, "AssumedRoleUser")
        xml_text(user, "Arn", credential.assumed_role_arn)
        xml_text(user, "AssumedRoleId", credential.caller)
        creds = ET.SubElement(result, "Credentials")
        xml_text(creds, "SessionToken", credential.session_token)
        xml_text(creds, "SecretAccessKey", credential.secret_access_key)
        xml_text(creds, "Expiration", _iso8601(credential.expiration))
        xml_text(creds, "AccessKeyId", credential.access_key_id)
        # For OpenID Connect tokens Provider is the token's iss (API reference).
        xml_text(result, "Provider", claims.issuer)
        meta = ET.SubElement(root, "ResponseMetadata")
        xml_text(meta, "RequestId", request_id)
        return ET.tostring(root, encoding="unicode").encode()

    def _log_line(self, summary: Mapping[str, str], result: str) -> None:
        parts = [f"sts {_ACTION}"]
        parts += [f"{k}={v}" for k, v in summary.items() if k != "reason"]
        parts.append(f"-> {result}")
        if "reason" in summary:
            parts.append(f"({summary['reason']})")
        self._log(loggable(" ".join(parts), 1024))


def _parse_form(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
        pairs = parse_qs(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except ValueError as exc:  # bad UTF-8 or too many fields
        raise AwsError("ValidationError", "The request body is not a valid form.") from exc
    # First value wins for a repeated parameter.
    return {key: values[0] for key, values in pairs.items()}


def _request_from(params: Mapping[str, str]) -> _Request:
    problems: list[str] = []

    def field(name: str, path: str, lo: int, hi: int, pattern: str | None = None) -> str:
        value = params.get(name)
        if value is None:
            problems.append(
                f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
            )
            return ""
        if not lo <= len(value) <= hi:
            bound = (
                f"greater than or equal to {lo}"
                if len(value) < lo
                else f"less than or equal to {hi}"
            )
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: Member must have length {bound}"
            )
        if pattern is not None and not re.fullmatch(pattern, value):
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {pattern}"
            )
        return value

    role_arn = field("RoleArn", "roleArn", 20, 2048)
    session_name = field("RoleSessionName", "roleSessionName", 2, 64, _SESSION_NAME_PATTERN)
    # Never echo the token back: it is a credential.
    token = params.get("WebIdentityToken")
    if token is None:
        problems.append(
            "Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null"
        )
    elif not 4 <= len(token) <= 20000:
        problems.append(
            "Value at 'webIdentityToken' failed to satisfy constraint: "
            "Member must have length between 4 and 20000"
        )
    duration = _DEFAULT_DURATION
    raw_duration = params.get("DurationSeconds")
    if raw_duration is not None:
        if not re.fullmatch(r"-?\d{1,12}", raw_duration):
            problems.append(
                f"Value '{raw_duration}' at 'durationSeconds' failed to satisfy constraint: "
                "Member must be an integer"
            )
        else:
            duration = int(raw_duration)
            if duration < _MIN_DURATION:
                problems.append(
                    f"Value '{duration}' at 'durationSeconds' failed to satisfy constraint: "
                    f"Member must have value greater than or equal to {_MIN_DURATION}"
                )
            elif duration > _MAX_DURATION:
                problems.append(
                    f"Value '{duration}' at 'durationSeconds' failed to satisfy constraint: "
                    f"Member must have value less than or equal to {_MAX_DURATION}"
                )
    if problems:
        noun = "validation error" if len(problems) == 1 else "validation errors"
        raise AwsError(
            "ValidationError", f"{len(problems)} {noun} detected: " + "; ".join(problems)
        )
    return _Request(
        role_arn=role_arn, session_name=session_name, token=token or "", duration=duration
    )


def _iso8601(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
