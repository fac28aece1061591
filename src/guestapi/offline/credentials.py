"""Temporary credentials issued by the twin: written by Cognito/STS, read by the gateway.

The issuers (`cognito.py`, `sts.py`) call `CredentialStore.issue`; the gateway calls `lookup` with the
access key id of a signed request. Expired credentials stay findable for a grace period so the
gateway can answer ExpiredTokenException ("expired") rather than UnrecognizedClientException
("invalid"), as AWS does for a key it once issued.

Bounded memory: the pool id is public, so anyone can mint credentials in a loop. When the store is
full, `issue` first drops credentials expired longer than the grace period, and if that is not
enough it evicts the oldest issued credentials down to 90 % of the bound (a batch, so a full store
does not pay an O(n) purge on every call). An evicted credential is simply unknown afterwards: the
gateway answers "The security token included in the request is invalid." as it would for a revoked key.
"""

from __future__ import annotations

import base64
import secrets
import string
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from guestapi.offline.iam.model import Role
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
# When full, evict down to this fraction of max_entries so eviction is amortised over many issues.
_LOW_WATER = 0.9
# How long an expired credential stays findable (so the gateway can say "expired").
_DEFAULT_GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class WebIdentity:
    """The Cognito identity a session belongs to (empty for a service's own role session)."""

    identity_id: str
    pool_id: str
    authentication_type: str  # "unauthenticated" / "authenticated"


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
    authentication_type: str  # "unauthenticated"
    assumed_role_arn: str  # arn:<partition>:sts::<acct>:assumed-role/<role-name>/<session-name>
    caller: str  # <role id>:<session-name>, as $context.identity.caller shows it

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

    def __init__(self, *, clock: Callable[[], datetime], max_entries: int = 100_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._clock = clock
        self._max_entries = max_entries
        self._lock = threading.Lock()
        # Insertion order is issue order, so the first item is the oldest (eviction order).
        self._by_key: OrderedDict[str, IssuedCredential] = OrderedDict()

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
    ) -> IssuedCredential:
        """Temporary credentials for a session of `role` (of a web identity, for Cognito)."""
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        # arn:<partition>:iam::<account>:role/<path><name>
        _, partition, _, _, account_id, _ = role.arn.split(":", 5)
        who = web_identity or WebIdentity("", "", "")
        now = self._now()
        with self._lock:
            self._purge_oldest_locked(now - _DEFAULT_GRACE)
            if len(self._by_key) >= self._max_entries:
                self._make_room_locked(now)
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
            )
            self._by_key[access_key_id] = credential
            return credential

    def lookup(self, access_key_id: str) -> IssuedCredential | None:
        """The credential for this key, expired or not (until purged); None when unknown."""
        with self._lock:
            return self._by_key.get(access_key_id)

    def purge_expired(self, grace: timedelta = _DEFAULT_GRACE) -> int:
        """Drop credentials that expired more than `grace` ago; return how many were dropped."""
        now = self._now()
        with self._lock:
            return self._purge_locked(now - grace)

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_key)

    def _purge_locked(self, cutoff: datetime) -> int:
        stale = [key for key, cred in self._by_key.items() if cred.expiration < cutoff]
        for key in stale:
            del self._by_key[key]
        return len(stale)

    def _purge_oldest_locked(self, cutoff: datetime) -> None:
        # Issue order is nearly expiry order (one TTL for Cognito, 15 min to 12 h for STS), so
        # popping stale entries off the oldest end on every issue keeps the store free of
        # expired credentials at amortised O(1); a full store still gets the complete purge.
        while self._by_key:
            oldest = next(iter(self._by_key.values()))
            if oldest.expiration >= cutoff:
                return
            self._by_key.popitem(last=False)

    def _make_room_locked(self, now: datetime) -> None:
        self._purge_locked(now - _DEFAULT_GRACE)
        if len(self._by_key) < self._max_entries:
            return
        target = int(self._max_entries * _LOW_WATER)
        target = min(target, self._max_entries - 1)
        while len(self._by_key) > target:
            self._by_key.popitem(last=False)


def _new_access_key_id() -> str:
    tail = "".join(secrets.choice(_ACCESS_KEY_ALPHABET) for _ in range(_ACCESS_KEY_RANDOM_LEN))
    return _ACCESS_KEY_PREFIX + tail
