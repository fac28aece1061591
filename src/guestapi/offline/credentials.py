"""Temporary credentials issued by the twin: written by Cognito/STS/Lambda (`issue`), read by the
services (`lookup`). An expired credential stays findable, so the services answer "expired" as
AWS does for a key it issued, never "invalid".

Bounded without revoking anyone (anyone with the public pool id can mint credentials in a loop):
a full store first forgets credentials that have expired, longest-expired first, and otherwise
refuses to issue (`StoreFull`, Cognito's TooManyRequestsException). AWS never revokes a live
credential because others asked for more.
"""

from __future__ import annotations

import base64
import heapq
import secrets
import string
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from guestapi.errors import GuestApiError
from guestapi.offline.iam.model import PolicyDocument, Role
from guestapi.offline.sigv4 import KnownCredential

# AWS temporary (STS) access key ids: "ASIA" + 16 characters, 20 in all. The characters are
# base32 (A-Z, 2-7): real key ids never hold 0, 1, 8 or 9 (docs/aws-behaviour.md#temporary-credentials).
_ACCESS_KEY_PREFIX = "ASIA"
_ACCESS_KEY_ALPHABET = string.ascii_uppercase + "234567"
_ACCESS_KEY_RANDOM_LEN = 16
# 30 random bytes -> 40 base64 characters, the length of an AWS secret access key.
_SECRET_BYTES = 30
# Real session tokens are several hundred characters of base64; clients must not assume a size.
_SESSION_TOKEN_BYTES = 300
# The default bound: each credential is about 2 KB, so 100,000 hold about 200 MB at most.
DEFAULT_MAX_CREDENTIALS = 100_000


class StoreFull(GuestApiError):
    """Every credential the store holds is still live: no room to issue another."""


@dataclass(frozen=True)
class WebIdentity:
    """The Cognito identity a session belongs to (empty for a service's own role session)."""

    identity_id: str
    pool_id: str
    authentication_type: str  # "unauthenticated" / "authenticated"
    # $context.identity.cognitoAuthenticationProvider: the providers the identity signed in
    # with, comma-separated ("" for a guest): docs/aws-behaviour.md#proxy-event
    authentication_provider: str = ""

    @classmethod
    def from_amr(cls, identity_id: str, pool_id: str, amr: Sequence[str]) -> WebIdentity:
        """The identity an OpenID token's `amr` describes: ["unauthenticated"] for a guest,
        ["authenticated", <provider>, <provider>:<pool id>:<user id>] for a developer login."""
        if "unauthenticated" in amr:
            return cls(identity_id, pool_id, "unauthenticated")
        providers = ",".join(a for a in amr if a != "authenticated")
        return cls(identity_id, pool_id, "authenticated", providers)

    def amr(self) -> list[str]:
        """The `amr` of the token this identity came from (`from_amr`'s inverse)."""
        providers = [p for p in self.authentication_provider.split(",") if p]
        return [self.authentication_type, *providers]


@dataclass(frozen=True)
class IssuedCredential:
    access_key_id: str  # "ASIA" + 16 upper alnum (20 chars total, like AWS)
    secret_access_key: str  # 40 chars of base64
    session_token: str  # long random opaque string
    expiration: datetime  # aware UTC, whole seconds (AWS reports seconds)
    role_arn: str
    role_session_name: str  # "CognitoIdentityCredentials" for the enhanced flow
    identity_id: str
    identity_pool_id: str
    authentication_type: str  # "unauthenticated" or "authenticated" (developer identities)
    assumed_role_arn: str  # arn:<partition>:sts::<acct>:assumed-role/<role-name>/<session-name>
    caller: str  # <role id>:<session-name>, as $context.identity.caller shows it
    authentication_provider: str = ""  # see WebIdentity
    # Policies this session was scoped down with (Cognito's guest session policy, when the
    # offline stack applies it): IAM intersects them with the role's (iam.evaluate_session).
    session_policies: tuple[PolicyDocument, ...] = ()

    def web_identity(self) -> WebIdentity:
        """The Cognito identity this session belongs to (empty for a service role's session)."""
        return WebIdentity(
            self.identity_id,
            self.identity_pool_id,
            self.authentication_type,
            self.authentication_provider,
        )

    def known(self) -> KnownCredential:
        """What SigV4 verification needs to know of this credential."""
        return KnownCredential(
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
            session_token=self.session_token,
            expiration=self.expiration,
        )

    def __repr__(self) -> str:
        # Keep the secret and the session token out of logs, tracebacks and pytest diffs.
        return (
            f"IssuedCredential(access_key_id={self.access_key_id!r}, "
            f"expiration={self.expiration.isoformat()}, caller={self.caller!r}, "
            f"identity_id={self.identity_id!r})"
        )


class CredentialStore:
    """Thread-safe, bounded map access key id -> IssuedCredential."""

    def __init__(
        self, *, clock: Callable[[], datetime], max_entries: int = DEFAULT_MAX_CREDENTIALS
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._clock = clock
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._by_key: dict[str, IssuedCredential] = {}
        # (expiration, access key id), soonest first: what to forget when room is needed.
        self._by_expiry: list[tuple[datetime, str]] = []

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware UTC datetime")
        return now

    def issue(
        self,
        *,
        ttl: timedelta,
        role: Role,
        session_name: str,
        web_identity: WebIdentity | None = None,
        session_policies: tuple[PolicyDocument, ...] = (),
    ) -> IssuedCredential:
        """Temporary credentials for a session of `role` (of a web identity, for Cognito),
        scoped down by `session_policies` when given.

        Raises StoreFull when the store holds `max_entries` live credentials.
        """
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        # arn:<partition>:iam::<account>:role/<path><name>
        _, partition, _, _, account_id, _ = role.arn.split(":", 5)
        who = web_identity or WebIdentity("", "", "")
        now = self._now()
        with self._lock:
            if len(self._by_key) >= self._max_entries:
                self._forget_expired_locked(now, enough=1)
            if len(self._by_key) >= self._max_entries:
                raise StoreFull(
                    f"the offline stack holds its maximum of {self._max_entries} live "
                    "credentials (--max-credentials); retry when some expire"
                )
            access_key_id = _new_access_key_id()
            while access_key_id in self._by_key:  # 32**16 keys: a retry is for correctness only
                access_key_id = _new_access_key_id()
            credential = IssuedCredential(
                access_key_id=access_key_id,
                secret_access_key=base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode(),
                session_token=base64.b64encode(secrets.token_bytes(_SESSION_TOKEN_BYTES)).decode(),
                expiration=(now + ttl).replace(microsecond=0),
                role_arn=role.arn,
                role_session_name=session_name,
                identity_id=who.identity_id,
                identity_pool_id=who.pool_id,
                authentication_type=who.authentication_type,
                assumed_role_arn=f"arn:{partition}:sts::{account_id}:assumed-role/{role.name}/{session_name}",
                caller=f"{role.role_id}:{session_name}",
                authentication_provider=who.authentication_provider,
                session_policies=session_policies,
            )
            self._by_key[access_key_id] = credential
            heapq.heappush(self._by_expiry, (credential.expiration, access_key_id))
            return credential

    def lookup(self, access_key_id: str) -> IssuedCredential | None:
        """The credential for this key, expired or not (while remembered); None when unknown."""
        with self._lock:
            return self._by_key.get(access_key_id)

    def purge_expired(self, grace: timedelta = timedelta(0)) -> int:
        """Forget credentials that expired more than `grace` ago; return how many."""
        now = self._now()
        with self._lock:
            return self._forget_expired_locked(now - grace, enough=None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_key)

    def _forget_expired_locked(self, cutoff: datetime, *, enough: int | None) -> int:
        # The heap gives the longest-expired first: O(log n) a credential, never a full scan.
        forgotten = 0
        while self._by_expiry and self._by_expiry[0][0] < cutoff:
            _, key = heapq.heappop(self._by_expiry)
            del self._by_key[key]
            forgotten += 1
            if enough is not None and forgotten >= enough:
                break
        return forgotten


def _new_access_key_id() -> str:
    tail = "".join(secrets.choice(_ACCESS_KEY_ALPHABET) for _ in range(_ACCESS_KEY_RANDOM_LEN))
    return _ACCESS_KEY_PREFIX + tail
