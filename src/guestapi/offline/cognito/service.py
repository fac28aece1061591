"""Cognito Identity (identity pools) as the offline stack serves it: AWS JSON 1.1, the guest flows
(GetId, GetCredentialsForIdentity, GetOpenIdToken; STS does the basic flow's second half), the
signed operations and developer-authenticated identities (`developer.py`). Codes and messages
are `errors.py`'s, with their sources in docs/aws-behaviour.md#cognito-errors. Only
enhanced-flow guest credentials carry the `guest_session_policies` (`scope_down.py`).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from guestapi.offline.awsapi import AwsError, AwsService, Call, Json
from guestapi.offline.awsapi.errors import (
    AccessDeniedException,
    SignatureRefused,
    ValidationException,
)
from guestapi.offline.awsapi.validation import validate
from guestapi.offline.cognito.developer import UNAUTHENTICATED, DeveloperIdentities
from guestapi.offline.cognito.errors import (
    InvalidIdentityPoolConfigurationException,
    InvalidParameterException,
    NotAuthorizedException,
    ResourceNotFoundException,
    TooManyRequestsException,
)
from guestapi.offline.cognito.model import IdentityPool
from guestapi.offline.cognito.openid import (
    OPENID_ISSUER,
    OPENID_TOKEN_TTL,
    OpenIdClaims,
    OpenIdTokenSigner,
)
from guestapi.offline.cognito.roles import trusted_role
from guestapi.offline.cognito.validation import (
    ACCOUNT_ID,
    CUSTOM_ROLE,
    IDENTITY_ID,
    LOGINS,
    OPTIONAL_IDENTITY_ID,
    POOL_ID,
    REQUIRED_LOGINS,
)
from guestapi.offline.credentials import CredentialStore, StoreFull, WebIdentity
from guestapi.offline.iam.callers import CallerAuthority
from guestapi.offline.iam.model import PolicyDocument
from guestapi.offline.iam.policy import evaluate_trust
from guestapi.offline.iam.trust import TrustEvaluator
from guestapi.offline.sigv4 import SigV4Error

if TYPE_CHECKING:
    from guestapi.offline.stack import Stack

ENHANCED_SESSION_NAME = "CognitoIdentityCredentials"
# The API reference marks these "requires developer credentials": the caller signs with AWS
# credentials whose policies allow cognito-identity:<Operation> on the pool's ARN.
SIGNED_OPERATIONS = frozenset(
    {"DescribeIdentityPool", "GetIdentityPoolRoles", "GetOpenIdTokenForDeveloperIdentity"}
)

# Identities the offline stack holds at most (an identity is about 200 bytes).
DEFAULT_MAX_IDENTITIES = 100_000


@dataclass(frozen=True)
class _Identity:
    identity_id: str
    pool_id: str


class CognitoIdentityService(AwsService):
    NAME = "cognito-identity"
    MAX_BODY = 64 * 1024
    INVALID = ValidationException
    protocol = Json("cognito-identity")

    def __init__(
        self,
        stack: Stack,
        store: CredentialStore,
        *,
        clock: Callable[[], datetime],
        credential_ttl: timedelta = timedelta(hours=1),
        trust_evaluator: TrustEvaluator | None = None,
        max_identities: int = DEFAULT_MAX_IDENTITIES,
        authority: CallerAuthority,
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
        self._trust = trust_evaluator or evaluate_trust
        self._max_identities = max_identities
        # Checks the signed operations' callers in admit, before their handlers run.
        self._authority = authority
        self._guest_session_policies = guest_session_policies  # cognito/scope_down.py
        self._signer = OpenIdTokenSigner()
        self._lock = threading.Lock()
        # Bounded: the pool id is public and every GetId mints an identity. When full, GetId is
        # refused (TooManyRequestsException) rather than forgetting anyone's identity: AWS never
        # drops an identity because others asked for more.
        self._identities: dict[str, _Identity] = {}
        self.operations = {
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

    def admit(self, call: Call) -> None:
        """SigV4 first, then IAM on the pool's ARN, for the operations for developers (signature
        and IAM refusals of the AWS JSON services are client errors, 400)."""
        if call.operation not in SIGNED_OPERATIONS:
            return
        try:
            caller = self._authority.authenticate(call.request, self.NAME)
        except SigV4Error as exc:
            raise SignatureRefused(exc) from None
        try:
            pool_id = self.protocol.params_of(call).get("IdentityPoolId")
        except AwsError:
            pool_id = None
        stack = self._stack
        pool_arn = f"arn:{stack.partition}:cognito-identity:{stack.region}:{stack.account_id}"
        pool_arn += f":identitypool/{pool_id if isinstance(pool_id, str) else '*'}"
        action = f"cognito-identity:{call.operation}"
        denied = self._authority.authorize(caller, action, [pool_arn], call.request)
        if denied is not None:
            raise AccessDeniedException(denied.message())

    def verify_open_id_token(self, token: str) -> OpenIdClaims:
        """Check a GetOpenIdToken token (signature, issuer, expiry); raise OpenIdTokenError if bad."""
        return self._signer.verify(token, now=self._clock())

    # ---- operations --------------------------------------------------------------------------
    def _get_id(self, call: Call) -> dict[str, Any]:
        body = call.params
        validate(body, (POOL_ID, ACCOUNT_ID, LOGINS))
        pool = self._pool(body["IdentityPoolId"], call)
        self._refuse_logins(body)
        if not pool.allow_unauthenticated:
            raise NotAuthorizedException.unauthenticated()
        call.logged["identity"] = self._new_identity(pool)
        return {"IdentityId": call.logged["identity"]}

    def _new_identity(self, pool: IdentityPool) -> str:
        # An identity id lives in its pool's region: "<region>:<uuid>".
        region = pool.pool_id.split(":", 1)[0]
        identity = _Identity(identity_id=f"{region}:{uuid.uuid4()}", pool_id=pool.pool_id)
        with self._lock:
            # Bounded, but nobody loses an identity for it: a full store refuses new ones.
            if len(self._identities) >= self._max_identities:
                raise TooManyRequestsException(
                    f"The offline stack holds its maximum of {self._max_identities} identities "
                    "(--max-identities)."
                )
            self._identities[identity.identity_id] = identity
        return identity.identity_id

    def _identity_exists(self, identity_id: str) -> bool:
        with self._lock:
            return identity_id in self._identities

    def _get_credentials_for_identity(self, call: Call) -> dict[str, Any]:
        # CustomRoleArn only selects among roles of authenticated rule mappings; a guest always
        # gets the pool's unauthenticated role, so the value is validated and otherwise ignored.
        body = call.params
        validate(body, (IDENTITY_ID, LOGINS, CUSTOM_ROLE))
        identity, pool = self._identity_and_pool(body["IdentityId"], call)
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
        except InvalidIdentityPoolConfigurationException as refused:
            call.detail = refused.detail
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
            raise TooManyRequestsException(f"{full}.") from None
        call.detail = f"role={role.name} key={credential.access_key_id}"
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

    def _get_open_id_token(self, call: Call) -> dict[str, Any]:
        body = call.params
        validate(body, (IDENTITY_ID, LOGINS))
        identity, pool = self._identity_and_pool(body["IdentityId"], call)
        self._refuse_logins(body)
        if not pool.allow_unauthenticated:
            raise NotAuthorizedException.unauthenticated()
        if pool.allow_classic_flow is False:
            raise InvalidParameterException.classic_flow_disabled()
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

    def _get_open_id_token_for_developer_identity(self, call: Call) -> dict[str, Any]:
        validate(call.params, (POOL_ID, OPTIONAL_IDENTITY_ID, REQUIRED_LOGINS))
        pool = self._pool(call.params["IdentityPoolId"], call)
        answer = self._developer.open_id_token(pool, call.params)
        call.logged["identity"] = answer["IdentityId"]
        return answer

    def _describe_identity_pool(self, call: Call) -> dict[str, Any]:
        validate(call.params, (POOL_ID,))
        pool = self._pool(call.params["IdentityPoolId"], call)
        answer = {
            "IdentityPoolId": pool.pool_id,
            "IdentityPoolName": pool.name,
            "AllowUnauthenticatedIdentities": pool.allow_unauthenticated,
        }
        if pool.allow_classic_flow is not None:
            answer["AllowClassicFlow"] = pool.allow_classic_flow
        return answer

    def _get_identity_pool_roles(self, call: Call) -> dict[str, Any]:
        validate(call.params, (POOL_ID,))
        pool = self._pool(call.params["IdentityPoolId"], call)
        return {"IdentityPoolId": pool.pool_id, "Roles": dict(pool.roles)}

    # ---- helpers -----------------------------------------------------------------------------
    def _pool(self, pool_id: str, call: Call) -> IdentityPool:
        call.logged["pool"] = pool_id
        pool = self._stack.identity_pools.get(pool_id)
        if pool is None:
            raise ResourceNotFoundException.pool(pool_id)
        return pool

    def _identity_and_pool(self, identity_id: str, call: Call) -> tuple[_Identity, IdentityPool]:
        call.logged["identity"] = identity_id
        with self._lock:
            identity = self._identities.get(identity_id)
        if identity is None:
            raise ResourceNotFoundException.identity(identity_id)
        return identity, self._pool(identity.pool_id, call)

    @staticmethod
    def _refuse_logins(body: Mapping[str, Any]) -> None:
        # The model has no login providers (the template configures none), so any Logins entry
        # names a provider this pool does not support.
        if body.get("Logins"):
            raise NotAuthorizedException.unsupported_provider()
