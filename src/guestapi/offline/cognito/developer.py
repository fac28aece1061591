"""Developer-authenticated identities: GetOpenIdTokenForDeveloperIdentity and its token's use.

A backend (here the attestation function, with its role's credentials) vouches for a user by a
"developer user identifier" under the pool's DeveloperProviderName; Cognito maps each (pool,
provider, identifier) to one identity id for good, and its OpenID token, passed to
GetCredentialsForIdentity as `Logins={"cognito-identity.amazonaws.com": token}`, gets the pool's
authenticated role. Facts and sources: docs/aws-behaviour.md#developer-authenticated-identities.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from guestapi.aws_constants import COGNITO_IDENTITY
from guestapi.offline.awsapi.errors import SerializationException, ValidationException
from guestapi.offline.awsapi.validation import bad_value, violations
from guestapi.offline.cognito.errors import (
    DeveloperUserAlreadyRegisteredException,
    NotAuthorizedException,
    ResourceNotFoundException,
)
from guestapi.offline.cognito.model import IdentityPool
from guestapi.offline.cognito.openid import (
    OPENID_ISSUER,
    OpenIdClaims,
    OpenIdTokenError,
    OpenIdTokenSigner,
)

AUTHENTICATED = "authenticated"
UNAUTHENTICATED = "unauthenticated"
DEFAULT_TOKEN_DURATION = timedelta(minutes=15)
MAX_TOKEN_DURATION_SECONDS = 86_400
# The API reference bounds a developer user identifier's length (LoginsMap values: 1-50,000;
# LookupDeveloperIdentity's DeveloperUserIdentifier: 1-1,024): the tighter one applies here.
MAX_DEVELOPER_USER_ID = 1024


@dataclass(frozen=True)
class DeveloperLogin:
    """What a verified developer token says: whose identity, in which pool, and how it got in."""

    identity_id: str
    pool_id: str
    amr: tuple[str, ...]


class DeveloperIdentities:
    """The (pool, provider, user id) -> identity id registry, and the tokens that prove it."""

    def __init__(
        self,
        signer: OpenIdTokenSigner,
        *,
        clock: Callable[[], datetime],
        new_identity: Callable[[IdentityPool], str],
        identity_exists: Callable[[str], bool],
    ) -> None:
        self._signer = signer
        self._clock = clock
        # Callbacks into the service's identity store, so both kinds of identity share its bound.
        self._new_identity = new_identity
        self._identity_exists = identity_exists
        self._lock = threading.Lock()
        self._by_user: dict[tuple[str, str, str], str] = {}
        self._linked: set[str] = set()  # identity ids with a developer login linked

    def is_linked(self, identity_id: str) -> bool:
        with self._lock:
            return identity_id in self._linked

    def kind_of_caller(
        self, identity_id: str, pool: IdentityPool, logins: Mapping[str, str]
    ) -> tuple[str, tuple[str, ...]]:
        """GetCredentialsForIdentity's question: ("authenticated", amr) for a valid developer
        token, ("unauthenticated", ...) for a guest the pool admits; otherwise the refusal."""
        if logins:
            if set(logins) != {COGNITO_IDENTITY}:
                raise NotAuthorizedException.unsupported_provider()
            login = self.verify_login(identity_id, pool, logins[COGNITO_IDENTITY])
            return AUTHENTICATED, login.amr
        if self.is_linked(identity_id):
            # An identity with a linked login never falls back to guest credentials.
            raise NotAuthorizedException.logins_dont_match()
        if not pool.allow_unauthenticated:
            raise NotAuthorizedException.unauthenticated()
        return UNAUTHENTICATED, (UNAUTHENTICATED,)

    def open_id_token(self, pool: IdentityPool, body: Mapping[str, Any]) -> dict[str, Any]:
        """GetOpenIdTokenForDeveloperIdentity, after the caller's IAM grant was checked."""
        provider = pool.developer_provider_name
        logins = body.get("Logins") or {}
        if not provider:
            raise NotAuthorizedException.no_developer_provider()
        if len(logins) != 1 or provider not in logins:
            # "You can only specify one developer provider as part of the Logins map, which is
            # linked to the identity pool" (API reference); other providers are not emulated.
            raise NotAuthorizedException.no_developer_provider()
        user_id = logins[provider]
        if not 1 <= len(user_id) <= MAX_DEVELOPER_USER_ID:
            raise ValidationException(
                "1 validation error detected: Value at 'logins' failed to satisfy constraint: "
                f"Map value must have length less than or equal to {MAX_DEVELOPER_USER_ID}",
            )
        duration = _token_duration(body.get("TokenDuration"))
        identity_id = self._identity_for(pool, provider, user_id, body.get("IdentityId"))
        now = int(self._clock().timestamp())
        token = self._signer.sign(
            {
                "iss": OPENID_ISSUER,
                "sub": identity_id,
                "aud": pool.pool_id,
                # As real developer tokens carry it: the provider, then provider:pool:user
                # (docs/aws-behaviour.md#developer-authenticated-identities).
                "amr": [AUTHENTICATED, provider, f"{provider}:{pool.pool_id}:{user_id}"],
                "iat": now,
                "exp": now + duration,
            }
        )
        return {"IdentityId": identity_id, "Token": token}

    def verify_login(self, identity_id: str, pool: IdentityPool, token: str) -> DeveloperLogin:
        """Check a Logins token given to GetCredentialsForIdentity; NotAuthorized if it fails."""
        try:
            claims: OpenIdClaims = self._signer.verify(token, now=self._clock())
        except OpenIdTokenError as exc:
            raise NotAuthorizedException.invalid_login_token(str(exc)) from None
        if claims.audience != pool.pool_id:
            raise NotAuthorizedException.invalid_login_token("Token is not for this identity pool.")
        if claims.subject != identity_id or AUTHENTICATED not in claims.amr:
            raise NotAuthorizedException.logins_dont_match()
        return DeveloperLogin(identity_id=identity_id, pool_id=pool.pool_id, amr=claims.amr)

    def _identity_for(self, pool: IdentityPool, provider: str, user_id: str, asked: object) -> str:
        key = (pool.pool_id, provider, user_id)
        with self._lock:
            known = self._by_user.get(key)
        if asked is not None:
            if not isinstance(asked, str) or not self._identity_exists(asked):
                raise ResourceNotFoundException.identity(asked)
            if known is not None and known != asked:
                raise DeveloperUserAlreadyRegisteredException()
            identity_id = asked
        elif known is not None:
            identity_id = known
        else:
            identity_id = self._new_identity(pool)
        with self._lock:
            self._by_user[key] = identity_id
            self._linked.add(identity_id)
        return identity_id


def _token_duration(value: object) -> int:
    if value is None:
        return int(DEFAULT_TOKEN_DURATION.total_seconds())
    if not isinstance(value, int) or isinstance(value, bool):
        raise SerializationException("TokenDuration must be a number.")
    if not 1 <= value <= MAX_TOKEN_DURATION_SECONDS:
        constraint = f"have value between 1 and {MAX_TOKEN_DURATION_SECONDS}"
        raise ValidationException(violations([bad_value(value, "tokenDuration", constraint)]))
    return value
