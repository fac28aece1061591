"""CredentialStore: formats like AWS, expired keys still findable, bounded and thread-safe."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest

from guestapi.offline.credentials import CredentialStore, IssuedCredential, StoreFull, WebIdentity
from guestapi.offline.iam import Role

START = datetime(2026, 11, 26, 10, 0, 0, 123456, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def issue(
    store: CredentialStore, *, ttl: timedelta = timedelta(hours=1), identity: str = "us-east-1:a"
) -> IssuedCredential:
    return store.issue(
        ttl=ttl,
        role=Role(
            "Guest", "arn:aws:iam::123456789012:role/guest", "guest", "AROAEXAMPLEROLEID0001", {}
        ),
        session_name="CognitoIdentityCredentials",
        web_identity=WebIdentity(
            identity, "us-east-1:11111111-2222-3333-4444-555555555555", "unauthenticated"
        ),
    )


def test_issued_credential_has_the_aws_shapes() -> None:
    store = CredentialStore(clock=FakeClock())
    cred = issue(store)
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", cred.access_key_id)  # base32, like AWS's
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", cred.secret_access_key)
    assert len(cred.session_token) >= 300
    # Whole seconds, aware UTC: what AWS reports and what the gateway compares against.
    assert cred.expiration == datetime(2026, 11, 26, 11, 0, 0, tzinfo=UTC)
    assert cred.assumed_role_arn == (
        "arn:aws:sts::123456789012:assumed-role/guest/CognitoIdentityCredentials"
    )
    assert cred.caller == "AROAEXAMPLEROLEID0001:CognitoIdentityCredentials"
    assert cred.identity_id == "us-east-1:a"
    assert cred.authentication_type == "unauthenticated"


def test_every_credential_is_fresh_randomness() -> None:
    store = CredentialStore(clock=FakeClock())
    creds = [issue(store) for _ in range(200)]
    assert len({c.access_key_id for c in creds}) == 200
    assert len({c.secret_access_key for c in creds}) == 200
    assert len({c.session_token for c in creds}) == 200


def test_lookup_finds_issued_and_only_issued_keys() -> None:
    store = CredentialStore(clock=FakeClock())
    cred = issue(store)
    assert store.lookup(cred.access_key_id) == cred
    assert store.lookup("ASIA" + "X" * 16) is None
    assert len(store) == 1


def test_expired_credentials_stay_findable_until_purged() -> None:
    clock = FakeClock()
    store = CredentialStore(clock=clock)
    cred = issue(store, ttl=timedelta(seconds=60))
    clock.advance(timedelta(minutes=10))
    # The gateway needs the record to answer "expired" rather than "invalid".
    found = store.lookup(cred.access_key_id)
    assert found is not None and found.expiration < clock.now


def test_purge_drops_only_credentials_expired_longer_than_grace() -> None:
    clock = FakeClock()
    store = CredentialStore(clock=clock)
    old = issue(store, ttl=timedelta(seconds=60))
    recent = issue(store, ttl=timedelta(minutes=20))
    alive = issue(store, ttl=timedelta(hours=2))
    clock.advance(timedelta(minutes=30))  # old expired 29 min ago, recent 10 min ago
    assert store.purge_expired(grace=timedelta(minutes=15)) == 1
    assert store.lookup(old.access_key_id) is None
    assert store.lookup(recent.access_key_id) is not None
    assert store.lookup(alive.access_key_id) is not None
    assert store.purge_expired(grace=timedelta(0)) == 1
    assert store.lookup(recent.access_key_id) is None
    assert store.lookup(alive.access_key_id) is not None


def test_full_store_forgets_the_longest_expired_to_make_room() -> None:
    clock = FakeClock()
    store = CredentialStore(clock=clock, max_entries=10)
    expired = [issue(store, ttl=timedelta(seconds=60 + i)) for i in range(5)]
    live = [issue(store, ttl=timedelta(hours=5)) for _ in range(5)]
    clock.advance(timedelta(hours=1))
    newest = issue(store)
    # One room was needed: the credential that expired first went, the other expired ones stay
    # and still answer "expired".
    assert store.lookup(expired[0].access_key_id) is None
    assert all(store.lookup(c.access_key_id) is not None for c in expired[1:])
    assert all(store.lookup(c.access_key_id) is not None for c in live)
    assert store.lookup(newest.access_key_id) is not None
    assert len(store) == 10


def test_full_store_of_live_credentials_refuses_and_revokes_nobody() -> None:
    store = CredentialStore(clock=FakeClock(), max_entries=10)
    creds = [issue(store) for _ in range(10)]
    with pytest.raises(StoreFull, match="maximum of 10 live credentials"):
        issue(store)
    assert len(store) == 10
    assert all(store.lookup(c.access_key_id) is not None for c in creds)


def test_concurrent_issue_loses_nothing() -> None:
    store = CredentialStore(clock=FakeClock())
    keys: list[str] = []
    keys_lock = threading.Lock()

    def worker() -> None:
        mine = [issue(store).access_key_id for _ in range(100)]
        with keys_lock:
            keys.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 800 == len(set(keys)) == len(store)
    assert all(store.lookup(k) is not None for k in keys)


def test_repr_never_shows_the_secret_or_the_session_token() -> None:
    cred = issue(CredentialStore(clock=FakeClock()))
    text = repr(cred) + str(cred)
    assert cred.access_key_id in text
    assert cred.secret_access_key not in text
    assert cred.session_token not in text


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        issue(CredentialStore(clock=lambda: datetime(2026, 1, 1)))
    with pytest.raises(ValueError, match="ttl"):
        issue(CredentialStore(clock=FakeClock()), ttl=timedelta(0))
    with pytest.raises(ValueError, match="max_entries"):
        CredentialStore(clock=FakeClock(), max_entries=0)


def test_expired_credentials_are_remembered_while_there_is_room() -> None:
    # AWS keeps answering "expired" for a key it issued; a store with room forgets nothing.
    clock = FakeClock()
    store = CredentialStore(clock=clock)
    stale = [issue(store, ttl=timedelta(minutes=5)) for _ in range(100)]
    clock.advance(timedelta(days=2))
    fresh = issue(store)
    assert len(store) == 101
    assert all(store.lookup(c.access_key_id) is not None for c in stale)
    assert store.lookup(fresh.access_key_id) is not None
