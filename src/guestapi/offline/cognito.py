"""Cognito Identity (identity pools) as the twin serves it: AWS JSON 1.1, no HTTP here.

The server hands `CognitoIdentityService.handle` the `X-Amz-Target` header and the body and sends
back the `JsonResponse`. Operations: GetId, GetCredentialsForIdentity (enhanced flow),
GetOpenIdToken (basic flow, first half; `sts.py` is the second half) and DescribeIdentityPool.

Codes and messages, and where each was confirmed (public issue threads quoting the real service):
- unknown pool: ResourceNotFoundException "IdentityPool '<id>' not found."
  (awslabs/aws-sdk-android-samples#163, aws-amplify/amplify-js#1966)
- unknown identity: ResourceNotFoundException "Identity '<id>' not found."
  (aws-amplify/amplify-js#2301; amplify-js#2406 matches on that exact text)
- guest access off: NotAuthorizedException "Unauthenticated access is not supported for this identity pool."
  (aws/aws-sdk-js-v3#3113)
- Logins given, no provider configured: NotAuthorizedException
  "Token is not from a supported provider of this identity pool." (aws-amplify/amplify-flutter#851,
  amazon-archives/cognito-sample-nodejs#1)
- no usable guest role / trust refused: InvalidIdentityPoolConfigurationException
  "Invalid identity pool configuration. Check assigned IAM roles for this pool." (amplify-js#741)
- classic flow off: GetOpenIdToken answers InvalidParameterException
  "Basic (classic) flow is not enabled, please use enhanced flow." (aws/aws-cli#7652, amplify-js#9704).
  The refusal is at GetOpenIdToken, so no token for such a pool ever exists; STS does not re-check.
- bad parameter: ValidationException "1 validation error detected: Value '<v>' at 'identityPoolId'
  failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"
  (aws/amazon-freertos#1829: Error Code ValidationException from AmazonCognitoIdentity). Missing
  members use the same service framework's "Value null at '<member>' ... Member must not be null".
- unknown target: HTTP 400 `{"__type":"UnknownOperationException"}`, no message (aws/aws-sdk-net#1536).
Chosen by the twin (no capture of the real service found): malformed JSON or a member of the wrong
JSON type -> SerializationException with a message; a body over 64 KiB -> ValidationException.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from guestapi.errors import GuestApiError
from guestapi.offline import iam
from guestapi.offline.credentials import CredentialStore
from guestapi.offline.model import IdentityPool, PolicyDocument, Role, Stack

TARGET_PREFIX = "AWSCognitoIdentityService."
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
MAX_BODY_BYTES = 64 * 1024

# Trust-policy vocabulary of identity-pool roles (aws-behaviour.md, "Trust policy of an identity-pool role").
COGNITO_PRINCIPAL = "cognito-identity.amazonaws.com"
ASSUME_ACTION = "sts:AssumeRoleWithWebIdentity"
OPENID_ISSUER = "https://cognito-identity.amazonaws.com"
UNAUTHENTICATED = "unauthenticated"
ENHANCED_SESSION_NAME = "CognitoIdentityCredentials"
# GetOpenIdToken API reference: "The OpenID token is valid for 10 minutes."
OPENID_TOKEN_TTL = timedelta(minutes=10)

_ID_PATTERN = r"[\w-]+:[0-9a-f-]+"  # IdentityPoolId and IdentityId, as the API reference gives it
_ID_RE = re.compile(_ID_PATTERN)
_ID_MAX_LEN = 55

MSG_POOL_NOT_FOUND = "IdentityPool '{}' not found."
MSG_IDENTITY_NOT_FOUND = "Identity '{}' not found."
MSG_UNAUTH_NOT_SUPPORTED = "Unauthenticated access is not supported for this identity pool."
MSG_UNSUPPORTED_PROVIDER = "Token is not from a supported provider of this identity pool."
MSG_INVALID_POOL_CONFIG = (
    "Invalid identity pool configuration. Check assigned IAM roles for this pool."
)
MSG_CLASSIC_FLOW_DISABLED = "Basic (classic) flow is not enabled, please use enhanced flow."


# --------------------------------------------------------------------------------------------
# Response record and the trust-evaluator contract shared with sts.py
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JsonResponse:
    """What the server sends back: status, body, headers (the name predates the XML of STS)."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


class TrustDecision(Protocol):
    allowed: bool
    explicit_deny: bool
    reason: str


class TrustEvaluator(Protocol):
    def __call__(
        self,
        policy: PolicyDocument,
        *,
        principal: Mapping[str, str],
        action: str,
        context: Mapping[str, str | Sequence[str]],
    ) -> TrustDecision: ...


def default_trust_evaluator() -> TrustEvaluator:
    """The project's IAM policy evaluator (tests inject variants, e.g. one that allows anything)."""
    return iam.evaluate_trust


def trust_context(
    *, pool_id: str, identity_id: str, amr: Sequence[str]
) -> dict[str, str | list[str]]:
    """The request context STS builds from a Cognito token when it evaluates a trust policy."""
    return {
        "cognito-identity.amazonaws.com:aud": pool_id,
        "cognito-identity.amazonaws.com:amr": list(amr),
        "cognito-identity.amazonaws.com:sub": identity_id,
    }


def evaluate_role_trust(
    evaluator: TrustEvaluator, role: Role, *, pool_id: str, identity_id: str, amr: Sequence[str]
) -> TrustDecision:
    return evaluator(
        role.assume_role_policy,
        principal={"Federated": COGNITO_PRINCIPAL},
        action=ASSUME_ACTION,
        context=trust_context(pool_id=pool_id, identity_id=identity_id, amr=amr),
    )


# --------------------------------------------------------------------------------------------
# OpenID token (GetOpenIdToken -> AssumeRoleWithWebIdentity)
# --------------------------------------------------------------------------------------------
class OpenIdTokenError(GuestApiError):
    """A web identity token the twin did not issue, or no longer accepts."""


class MalformedTokenError(OpenIdTokenError):
    """Not a JWT at all (wrong shape, bad base64, bad JSON, missing claims)."""


class TokenSignatureError(OpenIdTokenError):
    """A JWT, but not signed by this twin (or signed with another algorithm), or wrong issuer."""


class TokenExpiredError(OpenIdTokenError):
    def __init__(self, message: str, *, now: int, expires: int) -> None:
        super().__init__(message)
        self.now = now
        self.expires = expires


@dataclass(frozen=True)
class OpenIdClaims:
    issuer: str
    audience: str  # identity pool id
    subject: str  # identity id
    amr: tuple[str, ...]
    expires: int  # epoch seconds


class _OpenIdTokenSigner:
    """HS256 JWTs with a per-process random key.

    Why HS256 and not RS256 like the real service: the only verifier is this same process (sts.py),
    so there is no JWKS to publish and no key pair to manage; a fresh random key per process also
    means a token from an earlier run can never be replayed. Why by hand: no JWT library is in
    requirements.lock, and this is one fixed header, one HMAC and a pinned algorithm on verify
    (so "alg": "none" and algorithm confusion are refused by construction).
    """

    _HEADER: ClassVar[dict[str, str]] = {"alg": "HS256", "typ": "JWT", "kid": "guestapi-offline"}
    _SEGMENT_RE = re.compile(r"^[A-Za-z0-9_-]+$")

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def sign(self, claims: Mapping[str, Any]) -> str:
        head = _b64url(json.dumps(self._HEADER, separators=(",", ":")).encode())
        body = _b64url(json.dumps(dict(claims), separators=(",", ":")).encode())
        signing_input = f"{head}.{body}".encode()
        return f"{head}.{body}.{_b64url(self._mac(signing_input))}"

    def verify(self, token: str, *, now: datetime) -> OpenIdClaims:
        parts = token.split(".")
        if len(parts) != 3 or not all(self._SEGMENT_RE.match(p) for p in parts):
            raise MalformedTokenError("not a compact JWS (three base64url segments)")
        try:
            header = json.loads(_b64url_decode(parts[0]))
            payload = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, RecursionError) as exc:
            raise MalformedTokenError("JWT segments are not base64url JSON") from exc
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise MalformedTokenError("JWT header and payload must be JSON objects")
        if header.get("alg") != "HS256":
            raise TokenSignatureError("JWT algorithm is not the one this twin signs with")
        expected = self._mac(f"{parts[0]}.{parts[1]}".encode())
        if not hmac.compare_digest(expected, signature):
            raise TokenSignatureError("JWT signature does not match")
        claims = _claims_from_payload(payload)
        if claims.issuer != OPENID_ISSUER:
            raise TokenSignatureError("JWT issuer is not Cognito Identity")
        now_s = int(now.timestamp())
        if now_s >= claims.expires:
            raise TokenExpiredError("token expired", now=now_s, expires=claims.expires)
        return claims

    def _mac(self, data: bytes) -> bytes:
        return hmac.new(self._key, data, hashlib.sha256).digest()


def _claims_from_payload(payload: Mapping[str, Any]) -> OpenIdClaims:
    iss, aud, sub, amr, exp = (payload.get(k) for k in ("iss", "aud", "sub", "amr", "exp"))
    if not (isinstance(iss, str) and isinstance(aud, str) and isinstance(sub, str)):
        raise MalformedTokenError("JWT lacks iss/aud/sub")
    if not (isinstance(amr, list) and all(isinstance(a, str) for a in amr)):
        raise MalformedTokenError("JWT amr must be a list of strings")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise MalformedTokenError("JWT exp must be an integer")
    return OpenIdClaims(issuer=iss, audience=aud, subject=sub, amr=tuple(amr), expires=exp)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


# --------------------------------------------------------------------------------------------
# Errors and request validation
# --------------------------------------------------------------------------------------------
class _ServiceError(Exception):
    """An AWS error answer; raised inside an operation, turned into a JsonResponse by handle()."""

    def __init__(self, code: str, message: str | None, status: int = 400) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class _Member:
    wire: str  # JSON member name, e.g. "IdentityPoolId"
    path: str  # name in validation messages, e.g. "identityPoolId"
    kind: type  # str or dict
    required: bool = False
    max_len: int | None = None
    pattern: str | None = None


_POOL_ID = _Member("IdentityPoolId", "identityPoolId", str, True, _ID_MAX_LEN, _ID_PATTERN)
_IDENTITY_ID = _Member("IdentityId", "identityId", str, True, _ID_MAX_LEN, _ID_PATTERN)
_ACCOUNT_ID = _Member("AccountId", "accountId", str, False, 15, r"\d+")
_LOGINS = _Member("Logins", "logins", dict)
_CUSTOM_ROLE = _Member("CustomRoleArn", "customRoleArn", str, False, 2048)


def _validate(body: Mapping[str, Any], members: Sequence[_Member]) -> None:
    """Check types (SerializationException) then constraints (ValidationException), like AWS."""
    for m in members:
        value = body.get(m.wire)
        if value is None:
            continue
        if not isinstance(value, m.kind) or (m.kind is dict and not _is_str_map(value)):
            expected = "a string" if m.kind is str else "a map of strings"
            raise _ServiceError("SerializationException", f"{m.wire} must be {expected}.")
    problems: list[str] = []
    for m in members:
        value = body.get(m.wire)
        if value is None:
            if m.required:
                problems.append(
                    f"Value null at '{m.path}' failed to satisfy constraint: Member must not be null"
                )
            continue
        if m.kind is not str:
            continue
        if len(value) < 1 or (m.max_len is not None and len(value) > m.max_len):
            bound = (
                "greater than or equal to 1"
                if len(value) < 1
                else f"less than or equal to {m.max_len}"
            )
            problems.append(
                f"Value '{value}' at '{m.path}' failed to satisfy constraint: "
                f"Member must have length {bound}"
            )
        if m.pattern is not None and not re.fullmatch(m.pattern, value):
            problems.append(
                f"Value '{value}' at '{m.path}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {m.pattern}"
            )
    if problems:
        count = len(problems)
        noun = "validation error" if count == 1 else "validation errors"
        raise _ServiceError(
            "ValidationException", f"{count} {noun} detected: " + "; ".join(problems)
        )


def _is_str_map(value: Mapping[Any, Any]) -> bool:
    return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


# --------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Identity:
    identity_id: str
    pool_id: str


@dataclass
class _Outcome:
    """What one call did, for the single log line (ids only, never credentials or tokens)."""

    operation: str
    pool_id: str | None = None
    identity_id: str | None = None
    detail: str = ""


class CognitoIdentityService:
    def __init__(
        self,
        stack: Stack,
        store: CredentialStore,
        *,
        clock: Callable[[], datetime],
        credential_ttl: timedelta = timedelta(hours=1),
        trust_evaluator: TrustEvaluator | None = None,
        max_identities: int = 100_000,
        log: Callable[[str], None] | None = None,
    ) -> None:
        if credential_ttl <= timedelta(0):
            raise ValueError("credential_ttl must be positive")
        if max_identities < 1:
            raise ValueError("max_identities must be at least 1")
        self._stack = stack
        self._store = store
        self._clock = clock
        self._ttl = credential_ttl
        self._trust = trust_evaluator or default_trust_evaluator()
        self._max_identities = max_identities
        self._log = log or logging.getLogger(__name__).info
        self._signer = _OpenIdTokenSigner()
        self._lock = threading.Lock()
        # Bounded: the pool id is public and every GetId mints an identity. When full, the oldest
        # identity is forgotten; its next call gets "Identity '<id>' not found.", the same answer
        # as for an identity deleted in the console, which SDKs handle by calling GetId again.
        self._identities: OrderedDict[str, _Identity] = OrderedDict()
        self._operations: dict[str, Callable[[Mapping[str, Any], _Outcome], dict[str, Any]]] = {
            "GetId": self._get_id,
            "GetCredentialsForIdentity": self._get_credentials_for_identity,
            "GetOpenIdToken": self._get_open_id_token,
            "DescribeIdentityPool": self._describe_identity_pool,
        }

    # ---- entry point -------------------------------------------------------------------------
    def handle(self, target: str, body: bytes) -> JsonResponse:
        """Serve one AWS JSON 1.1 call; `target` is the X-Amz-Target header value."""
        request_id = str(uuid.uuid4())
        operation = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
        outcome = _Outcome(operation=operation or repr(target[:80]))
        try:
            handler = self._operations.get(operation)
            if handler is None:
                raise _ServiceError("UnknownOperationException", None)
            if len(body) > MAX_BODY_BYTES:
                raise _ServiceError(
                    "ValidationException",
                    f"Request body is {len(body)} bytes; the limit is {MAX_BODY_BYTES}.",
                )
            result = handler(_parse_json_object(body), outcome)
        except _ServiceError as err:
            self._log_line(outcome, f"400 {err.code}")
            return _error_response(err, request_id)
        self._log_line(outcome, "200")
        return JsonResponse(
            status=200,
            body=json.dumps(result, separators=(",", ":")).encode(),
            headers=(("Content-Type", JSON_CONTENT_TYPE), ("x-amzn-RequestId", request_id)),
        )

    def verify_open_id_token(self, token: str) -> OpenIdClaims:
        """Check a GetOpenIdToken token (signature, issuer, expiry); raise OpenIdTokenError if bad."""
        return self._signer.verify(token, now=self._clock())

    # ---- operations --------------------------------------------------------------------------
    def _get_id(self, body: Mapping[str, Any], outcome: _Outcome) -> dict[str, Any]:
        _validate(body, (_POOL_ID, _ACCOUNT_ID, _LOGINS))
        pool = self._pool(body["IdentityPoolId"], outcome)
        self._refuse_logins(body)
        if not pool.allow_unauthenticated:
            raise _ServiceError("NotAuthorizedException", MSG_UNAUTH_NOT_SUPPORTED)
        # An identity id lives in its pool's region: "<region>:<uuid>".
        region = pool.pool_id.split(":", 1)[0]
        identity = _Identity(identity_id=f"{region}:{uuid.uuid4()}", pool_id=pool.pool_id)
        with self._lock:
            self._identities[identity.identity_id] = identity
            while len(self._identities) > self._max_identities:
                self._identities.popitem(last=False)
        outcome.identity_id = identity.identity_id
        return {"IdentityId": identity.identity_id}

    def _get_credentials_for_identity(
        self, body: Mapping[str, Any], outcome: _Outcome
    ) -> dict[str, Any]:
        # CustomRoleArn only selects among roles of authenticated rule mappings; a guest always
        # gets the pool's unauthenticated role, so the value is validated and otherwise ignored.
        _validate(body, (_IDENTITY_ID, _LOGINS, _CUSTOM_ROLE))
        identity, pool = self._identity_and_pool(body["IdentityId"], outcome)
        self._refuse_logins(body)
        if not pool.allow_unauthenticated:
            raise _ServiceError("NotAuthorizedException", MSG_UNAUTH_NOT_SUPPORTED)
        role = self._trusted_guest_role(pool, identity, outcome)
        credential = self._store.issue(
            ttl=self._ttl,
            role_arn=role.arn,
            role_id=role.role_id,
            role_name=role.name,
            account_id=self._stack.account_id,
            partition=self._stack.partition,
            session_name=ENHANCED_SESSION_NAME,
            identity_id=identity.identity_id,
            pool_id=pool.pool_id,
            auth_type=UNAUTHENTICATED,
        )
        outcome.detail = f"role={role.name} key={credential.access_key_id}"
        return {
            "IdentityId": identity.identity_id,
            "Credentials": {
                "AccessKeyId": credential.access_key_id,
                "SecretKey": credential.secret_access_key,
                "SessionToken": credential.session_token,
                # AWS JSON 1.1 timestamps are epoch seconds as a JSON number.
                "Expiration": int(credential.expiration.timestamp()),
            },
        }

    def _get_open_id_token(self, body: Mapping[str, Any], outcome: _Outcome) -> dict[str, Any]:
        _validate(body, (_IDENTITY_ID, _LOGINS))
        identity, pool = self._identity_and_pool(body["IdentityId"], outcome)
        self._refuse_logins(body)
        if not pool.allow_unauthenticated:
            raise _ServiceError("NotAuthorizedException", MSG_UNAUTH_NOT_SUPPORTED)
        if not pool.allow_classic_flow:
            raise _ServiceError("InvalidParameterException", MSG_CLASSIC_FLOW_DISABLED)
        now = int(self._clock().timestamp())
        token = self._signer.sign(
            {
                "iss": OPENID_ISSUER,
                "sub": identity.identity_id,
                "aud": pool.pool_id,
                "amr": [UNAUTHENTICATED],
                "iat": now,
                "exp": now + int(OPENID_TOKEN_TTL.total_seconds()),
            }
        )
        return {"IdentityId": identity.identity_id, "Token": token}

    def _describe_identity_pool(self, body: Mapping[str, Any], outcome: _Outcome) -> dict[str, Any]:
        # Real callers need signed developer credentials for this; the twin serves it unsigned
        # because it reveals nothing beyond the template, and tests use it to read the config.
        _validate(body, (_POOL_ID,))
        pool = self._pool(body["IdentityPoolId"], outcome)
        return {
            "IdentityPoolId": pool.pool_id,
            "IdentityPoolName": pool.name,
            "AllowUnauthenticatedIdentities": pool.allow_unauthenticated,
            "AllowClassicFlow": pool.allow_classic_flow,
        }

    # ---- helpers -----------------------------------------------------------------------------
    def _pool(self, pool_id: str, outcome: _Outcome) -> IdentityPool:
        outcome.pool_id = pool_id
        pool = self._stack.identity_pools.get(pool_id)
        if pool is None:
            raise _ServiceError("ResourceNotFoundException", MSG_POOL_NOT_FOUND.format(pool_id))
        return pool

    def _identity_and_pool(
        self, identity_id: str, outcome: _Outcome
    ) -> tuple[_Identity, IdentityPool]:
        outcome.identity_id = identity_id
        with self._lock:
            identity = self._identities.get(identity_id)
        if identity is None:
            raise _ServiceError(
                "ResourceNotFoundException", MSG_IDENTITY_NOT_FOUND.format(identity_id)
            )
        return identity, self._pool(identity.pool_id, outcome)

    @staticmethod
    def _refuse_logins(body: Mapping[str, Any]) -> None:
        # The model has no login providers (the template configures none), so any Logins entry
        # names a provider this pool does not support.
        if body.get("Logins"):
            raise _ServiceError("NotAuthorizedException", MSG_UNSUPPORTED_PROVIDER)

    def _trusted_guest_role(
        self, pool: IdentityPool, identity: _Identity, outcome: _Outcome
    ) -> Role:
        role_arn = pool.roles.get(UNAUTHENTICATED)
        role = self._stack.roles.get(role_arn) if role_arn else None
        if role is None:
            outcome.detail = f"no usable unauthenticated role ({role_arn or 'none attached'})"
            raise _ServiceError(
                "InvalidIdentityPoolConfigurationException", MSG_INVALID_POOL_CONFIG
            )
        decision = evaluate_role_trust(
            self._trust,
            role,
            pool_id=pool.pool_id,
            identity_id=identity.identity_id,
            amr=[UNAUTHENTICATED],
        )
        if not decision.allowed:
            outcome.detail = f"trust policy of {role.name} refused: {decision.reason}"
            raise _ServiceError(
                "InvalidIdentityPoolConfigurationException", MSG_INVALID_POOL_CONFIG
            )
        return role

    def _log_line(self, outcome: _Outcome, result: str) -> None:
        parts = [f"cognito-identity {outcome.operation}"]
        if outcome.pool_id:
            parts.append(f"pool={outcome.pool_id}")
        if outcome.identity_id:
            parts.append(f"identity={outcome.identity_id}")
        parts.append(f"-> {result}")
        if outcome.detail:
            parts.append(f"({outcome.detail})")
        self._log(" ".join(parts))


def _parse_json_object(body: bytes) -> Mapping[str, Any]:
    # botocore always sends at least "{}", but a raw caller may send nothing at all.
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError) as exc:  # ValueError covers bad JSON and bad UTF-8
        raise _ServiceError(
            "SerializationException", "The request body is not valid JSON."
        ) from exc
    if not isinstance(parsed, dict):
        raise _ServiceError("SerializationException", "The request body must be a JSON object.")
    return parsed


def _error_response(err: _ServiceError, request_id: str) -> JsonResponse:
    payload: dict[str, str] = {"__type": err.code}
    if err.message is not None:
        payload["message"] = err.message
    return JsonResponse(
        status=err.status,
        body=json.dumps(payload, separators=(",", ":")).encode(),
        headers=(
            ("Content-Type", JSON_CONTENT_TYPE),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", err.code),
        ),
    )
