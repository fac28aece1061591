"""Cognito Identity (identity pools) as the twin serves it: AWS JSON 1.1, no HTTP here.

The server hands `CognitoIdentityService.handle` the `X-Amz-Target` header and the body and sends
back the `wire.Response`. Operations: GetId, GetCredentialsForIdentity (enhanced flow),
GetOpenIdToken (basic flow, first half; `sts.py` is the second half), DescribeIdentityPool,
GetIdentityPoolRoles and, for developer-authenticated identities (`developer.py`),
GetOpenIdTokenForDeveloperIdentity and GetCredentialsForIdentity with a cognito-identity.amazonaws.com
login.

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
Enhanced-flow guest credentials carry the session policies given as `guest_session_policies`
(Cognito's scope-down, `scope_down.py`); authenticated ones and the basic flow's (STS) do not.

Chosen by the twin (no capture of the real service found): malformed JSON or a member of the wrong
JSON type -> SerializationException with a message; a body over 64 KiB -> ValidationException.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from guestapi.aws_constants import TARGET_HEADER
from guestapi.offline.cognito.developer import (
    MSG_UNAUTH_NOT_SUPPORTED,
    MSG_UNSUPPORTED_PROVIDER,
    UNAUTHENTICATED,
    DeveloperIdentities,
)
from guestapi.offline.cognito.model import IdentityPool
from guestapi.offline.cognito.openid import (
    OPENID_ISSUER,
    OPENID_TOKEN_TTL,
    OpenIdClaims,
    OpenIdTokenSigner,
)
from guestapi.offline.cognito.roles import RoleRefused, trusted_role
from guestapi.offline.cognito.signed import SIGNED_OPERATIONS, authorize_developer
from guestapi.offline.cognito.validation import (
    ACCOUNT_ID,
    CUSTOM_ROLE,
    IDENTITY_ID,
    LOGINS,
    OPTIONAL_IDENTITY_ID,
    POOL_ID,
    REQUIRED_LOGINS,
    parse_json_object,
    validate,
)
from guestapi.offline.credentials import CredentialStore, StoreFull, WebIdentity
from guestapi.offline.iam.callers import CallerAuthority
from guestapi.offline.iam.model import PolicyDocument
from guestapi.offline.iam.trust import TrustEvaluator, default_trust_evaluator
from guestapi.offline.wire import (
    JSON_1_1,
    AwsError,
    Request,
    Response,
    json_error,
    json_response,
    loggable,
    new_request_id,
)

if TYPE_CHECKING:
    from guestapi.offline.stack import Stack

TARGET_PREFIX = "AWSCognitoIdentityService."
MAX_BODY_BYTES = 64 * 1024
ENHANCED_SESSION_NAME = "CognitoIdentityCredentials"

# Identities the offline stack holds at most (an identity is about 200 bytes).
DEFAULT_MAX_IDENTITIES = 100_000

MSG_POOL_NOT_FOUND = "IdentityPool '{}' not found."
MSG_IDENTITY_NOT_FOUND = "Identity '{}' not found."
MSG_CLASSIC_FLOW_DISABLED = "Basic (classic) flow is not enabled, please use enhanced flow."


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
        max_identities: int = DEFAULT_MAX_IDENTITIES,
        log: Callable[[str], None] | None = None,
        authority: CallerAuthority | None = None,
        guest_session_policies: tuple[PolicyDocument, ...] = (),
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
        # Checks the signed operations' callers; None only in unit tests of the operations.
        self._authority = authority
        self._guest_session_policies = guest_session_policies  # cognito/scope_down.py
        self._signer = OpenIdTokenSigner()
        self._lock = threading.Lock()
        # Bounded: the pool id is public and every GetId mints an identity. When full, GetId is
        # refused (TooManyRequestsException) rather than forgetting anyone's identity: AWS never
        # drops an identity because others asked for more.
        self._identities: dict[str, _Identity] = {}
        self._operations: dict[str, Callable[[Mapping[str, Any], _Outcome], dict[str, Any]]] = {
            "GetId": self._get_id,
            "GetCredentialsForIdentity": self._get_credentials_for_identity,
            "GetOpenIdToken": self._get_open_id_token,
            "DescribeIdentityPool": self._describe_identity_pool,
            "GetIdentityPoolRoles": self._get_identity_pool_roles,
            "GetOpenIdTokenForDeveloperIdentity": self._get_open_id_token_for_developer_identity,
        }
        self._developer = DeveloperIdentities(
            self._signer,
            clock=clock,
            new_identity=self._new_identity,
            identity_exists=self._identity_exists,
        )

    # ---- entry point -------------------------------------------------------------------------
    def handle_request(self, request: Request) -> Response:
        """Serve one HTTP request: operations that need AWS credentials check them first."""
        target = request.header(TARGET_HEADER) or ""
        operation = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
        if operation in SIGNED_OPERATIONS and self._authority is not None:
            try:
                self._authorize(request, operation)
            except AwsError as err:
                self._log_line(_Outcome(operation=operation), f"{err.status} {err.code}")
                return json_error(err, content_type=JSON_1_1, request_id=new_request_id())
        return self.handle(target, request.body)

    def _authorize(self, request: Request, operation: str) -> None:
        assert self._authority is not None
        authorize_developer(
            self._authority,
            request,
            operation,
            partition=self._stack.partition,
            region=self._stack.region,
            account_id=self._stack.account_id,
        )

    def handle(self, target: str, body: bytes) -> Response:
        """Serve one AWS JSON 1.1 call; `target` is the X-Amz-Target header value."""
        request_id = str(uuid.uuid4())
        operation = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
        outcome = _Outcome(operation=loggable(operation or repr(target), 80))
        try:
            handler = self._operations.get(operation)
            if handler is None:
                raise AwsError("UnknownOperationException", None)
            if len(body) > MAX_BODY_BYTES:
                raise AwsError(
                    "ValidationException",
                    f"Request body is {len(body)} bytes; the limit is {MAX_BODY_BYTES}.",
                )
            result = handler(parse_json_object(body), outcome)
        except AwsError as err:
            self._log_line(outcome, f"400 {err.code}")
            return json_error(err, content_type=JSON_1_1, request_id=request_id)
        self._log_line(outcome, "200")
        return json_response(result, content_type=JSON_1_1, request_id=request_id)

    def verify_open_id_token(self, token: str) -> OpenIdClaims:
        """Check a GetOpenIdToken token (signature, issuer, expiry); raise OpenIdTokenError if bad."""
        return self._signer.verify(token, now=self._clock())

    # ---- operations --------------------------------------------------------------------------
    def _get_id(self, body: Mapping[str, Any], outcome: _Outcome) -> dict[str, Any]:
        validate(body, (POOL_ID, ACCOUNT_ID, LOGINS))
        pool = self._pool(body["IdentityPoolId"], outcome)
        self._refuse_logins(body)
        if not pool.allow_unauthenticated:
            raise AwsError("NotAuthorizedException", MSG_UNAUTH_NOT_SUPPORTED)
        outcome.identity_id = self._new_identity(pool)
        return {"IdentityId": outcome.identity_id}

    def _new_identity(self, pool: IdentityPool) -> str:
        # An identity id lives in its pool's region: "<region>:<uuid>".
        region = pool.pool_id.split(":", 1)[0]
        identity = _Identity(identity_id=f"{region}:{uuid.uuid4()}", pool_id=pool.pool_id)
        with self._lock:
            # Bounded, but nobody loses an identity for it: a full store refuses new ones.
            if len(self._identities) >= self._max_identities:
                raise AwsError(
                    "TooManyRequestsException",
                    f"The offline stack holds its maximum of {self._max_identities} identities "
                    "(--max-identities).",
                )
            self._identities[identity.identity_id] = identity
        return identity.identity_id

    def _identity_exists(self, identity_id: str) -> bool:
        with self._lock:
            return identity_id in self._identities

    def _get_credentials_for_identity(
        self, body: Mapping[str, Any], outcome: _Outcome
    ) -> dict[str, Any]:
        # CustomRoleArn only selects among roles of authenticated rule mappings; a guest always
        # gets the pool's unauthenticated role, so the value is validated and otherwise ignored.
        validate(body, (IDENTITY_ID, LOGINS, CUSTOM_ROLE))
        identity, pool = self._identity_and_pool(body["IdentityId"], outcome)
        kind, amr = self._developer.kind_of_caller(
            identity.identity_id, pool, body.get("Logins") or {}
        )
        try:
            role = trusted_role(
                self._stack.roles,
                self._trust,
                pool,
                identity_id=identity.identity_id,
                kind=kind,
                amr=amr,
            )
        except RoleRefused as refused:
            outcome.detail = refused.detail
            raise
        try:
            credential = self._store.issue(
                ttl=self._ttl,
                role=role,
                session_name=ENHANCED_SESSION_NAME,
                web_identity=WebIdentity.from_amr(identity.identity_id, pool.pool_id, amr),
                session_policies=self._guest_session_policies if kind == UNAUTHENTICATED else (),
            )
        except StoreFull as full:
            raise AwsError("TooManyRequestsException", f"{full}.") from None
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
        validate(body, (IDENTITY_ID, LOGINS))
        identity, pool = self._identity_and_pool(body["IdentityId"], outcome)
        self._refuse_logins(body)
        if not pool.allow_unauthenticated:
            raise AwsError("NotAuthorizedException", MSG_UNAUTH_NOT_SUPPORTED)
        if pool.allow_classic_flow is False:
            raise AwsError("InvalidParameterException", MSG_CLASSIC_FLOW_DISABLED)
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

    def _get_open_id_token_for_developer_identity(
        self, body: Mapping[str, Any], outcome: _Outcome
    ) -> dict[str, Any]:
        # Needs the caller's AWS credentials and an IAM grant (SIGNED_OPERATIONS).
        validate(body, (POOL_ID, OPTIONAL_IDENTITY_ID, REQUIRED_LOGINS))
        pool = self._pool(body["IdentityPoolId"], outcome)
        answer = self._developer.open_id_token(pool, body)
        outcome.identity_id = answer["IdentityId"]
        return answer

    def _describe_identity_pool(self, body: Mapping[str, Any], outcome: _Outcome) -> dict[str, Any]:
        # Needs the caller's AWS credentials and an IAM grant (SIGNED_OPERATIONS).
        validate(body, (POOL_ID,))
        pool = self._pool(body["IdentityPoolId"], outcome)
        answer = {
            "IdentityPoolId": pool.pool_id,
            "IdentityPoolName": pool.name,
            "AllowUnauthenticatedIdentities": pool.allow_unauthenticated,
        }
        if pool.allow_classic_flow is not None:
            answer["AllowClassicFlow"] = pool.allow_classic_flow
        return answer

    def _get_identity_pool_roles(
        self, body: Mapping[str, Any], outcome: _Outcome
    ) -> dict[str, Any]:
        # Needs the caller's AWS credentials and an IAM grant (SIGNED_OPERATIONS).
        validate(body, (POOL_ID,))
        pool = self._pool(body["IdentityPoolId"], outcome)
        return {"IdentityPoolId": pool.pool_id, "Roles": dict(pool.roles)}

    # ---- helpers -----------------------------------------------------------------------------
    def _pool(self, pool_id: str, outcome: _Outcome) -> IdentityPool:
        outcome.pool_id = pool_id
        pool = self._stack.identity_pools.get(pool_id)
        if pool is None:
            raise AwsError("ResourceNotFoundException", MSG_POOL_NOT_FOUND.format(pool_id))
        return pool

    def _identity_and_pool(
        self, identity_id: str, outcome: _Outcome
    ) -> tuple[_Identity, IdentityPool]:
        outcome.identity_id = identity_id
        with self._lock:
            identity = self._identities.get(identity_id)
        if identity is None:
            raise AwsError("ResourceNotFoundException", MSG_IDENTITY_NOT_FOUND.format(identity_id))
        return identity, self._pool(identity.pool_id, outcome)

    @staticmethod
    def _refuse_logins(body: Mapping[str, Any]) -> None:
        # The model has no login providers (the template configures none), so any Logins entry
        # names a provider this pool does not support.
        if body.get("Logins"):
            raise AwsError("NotAuthorizedException", MSG_UNSUPPORTED_PROVIDER)

    def _log_line(self, outcome: _Outcome, result: str) -> None:
        self._log(_log_text(outcome, result))


def _log_text(outcome: _Outcome, result: str) -> str:
    parts = [f"cognito-identity {outcome.operation}"]
    if outcome.pool_id:
        parts.append(f"pool={outcome.pool_id}")
    if outcome.identity_id:
        parts.append(f"identity={outcome.identity_id}")
    parts.append(f"-> {result}")
    if outcome.detail:
        parts.append(f"({outcome.detail})")
    return loggable(" ".join(parts), 1024)
