"""GuestCredentialProvider against Cognito (and STS) through botocore's Stubber: no network."""

from __future__ import annotations

import json
import stat
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.stub import Stubber

from guestapi.client import GuestCredentialProvider, GuestCredentialsError

POOL = "us-east-1:11111111-2222-3333-4444-555555555555"
IDENTITY = "us-east-1:aaaaaaaa-0000-0000-0000-000000000001"
IDENTITY_2 = "us-east-1:aaaaaaaa-0000-0000-0000-000000000002"
ROLE = "arn:aws:iam::123456789012:role/guest"
T0 = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def _client(service: str) -> Any:
    return botocore.session.get_session().create_client(
        service, region_name="us-east-1", config=Config(signature_version=UNSIGNED)
    )


def _creds(n: int, expires: datetime) -> dict[str, Any]:
    return {
        "AccessKeyId": f"ASIAFAKE{n:012d}",
        "SecretKey": f"secret-{n}",
        "SessionToken": f"token-{n}",
        "Expiration": expires,
    }


@pytest.fixture
def cognito() -> Any:
    client = _client("cognito-identity")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _provider(client: Any, **kwargs: Any) -> GuestCredentialProvider:
    kwargs.setdefault("clock", FakeClock())
    return GuestCredentialProvider(POOL, "us-east-1", cognito_client=client, **kwargs)


def test_enhanced_flow_gets_id_then_credentials(cognito: Any) -> None:
    client, stubber = cognito
    stubber.add_response("get_id", {"IdentityId": IDENTITY}, {"IdentityPoolId": POOL})
    stubber.add_response(
        "get_credentials_for_identity",
        {"IdentityId": IDENTITY, "Credentials": _creds(1, T0 + timedelta(hours=1))},
        {"IdentityId": IDENTITY},
    )
    provider = _provider(client)
    frozen = provider.credentials().get_frozen_credentials()
    assert frozen.access_key == "ASIAFAKE000000000001"
    assert frozen.secret_key == "secret-1"
    assert frozen.token == "token-1"
    assert provider.identity_id() == IDENTITY  # from the cache: no second GetId was stubbed
    assert provider.expiration == T0 + timedelta(hours=1)
    # the same object every time, so a signer holding it sees refreshes
    assert provider.credentials() is provider.credentials()


def test_identity_id_is_reused_across_runs(tmp_path: Path, cognito: Any) -> None:
    client, stubber = cognito
    cache = tmp_path / "cache" / "identities.json"
    stubber.add_response("get_id", {"IdentityId": IDENTITY}, {"IdentityPoolId": POOL})
    stubber.add_response(
        "get_credentials_for_identity",
        {"IdentityId": IDENTITY, "Credentials": _creds(1, T0 + timedelta(hours=1))},
        {"IdentityId": IDENTITY},
    )
    _provider(client, cache_path=cache).credentials()

    # "next run": a new provider, same cache file -> GetCredentialsForIdentity only, no GetId
    stubber.add_response(
        "get_credentials_for_identity",
        {"IdentityId": IDENTITY, "Credentials": _creds(2, T0 + timedelta(hours=1))},
        {"IdentityId": IDENTITY},
    )
    second = _provider(client, cache_path=cache)
    assert second.credentials().get_frozen_credentials().access_key == "ASIAFAKE000000000002"
    assert second.identity_id() == IDENTITY

    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    text = cache.read_text()
    assert json.loads(text)["identities"] == {POOL: IDENTITY}
    assert "secret" not in text and "token" not in text  # only the id is persisted


def test_unknown_cached_identity_is_reminted_once(tmp_path: Path, cognito: Any) -> None:
    client, stubber = cognito
    cache = tmp_path / "identities.json"
    cache.write_text(json.dumps({"version": 1, "identities": {POOL: IDENTITY}}))
    stubber.add_client_error(
        "get_credentials_for_identity",
        "ResourceNotFoundException",
        "Identity 'x' not found.",
        400,
        expected_params={"IdentityId": IDENTITY},
    )
    stubber.add_response("get_id", {"IdentityId": IDENTITY_2}, {"IdentityPoolId": POOL})
    stubber.add_response(
        "get_credentials_for_identity",
        {"IdentityId": IDENTITY_2, "Credentials": _creds(1, T0 + timedelta(hours=1))},
        {"IdentityId": IDENTITY_2},
    )
    provider = _provider(client, cache_path=cache)
    assert provider.credentials().get_frozen_credentials().access_key == "ASIAFAKE000000000001"
    assert json.loads(cache.read_text())["identities"] == {POOL: IDENTITY_2}


def test_not_found_right_after_minting_is_an_error_not_a_loop(cognito: Any) -> None:
    client, stubber = cognito
    stubber.add_response("get_id", {"IdentityId": IDENTITY}, {"IdentityPoolId": POOL})
    stubber.add_client_error(
        "get_credentials_for_identity", "ResourceNotFoundException", "Identity not found.", 400
    )
    with pytest.raises(GuestCredentialsError) as info:
        _provider(client).credentials()
    assert info.value.code == "ResourceNotFoundException"
    assert info.value.operation == "GetCredentialsForIdentity"


def test_cognito_refusal_is_one_clear_error(cognito: Any) -> None:
    client, stubber = cognito
    stubber.add_client_error(
        "get_id",
        "NotAuthorizedException",
        "Unauthenticated access is not supported for this identity pool.",
        400,
    )
    with pytest.raises(GuestCredentialsError) as info:
        _provider(client).credentials()
    message = str(info.value)
    assert message.startswith("GetId failed: NotAuthorizedException: Unauthenticated access")
    assert "AllowUnauthenticatedIdentities" in message  # the hint says what to change


def test_refresh_happens_margin_before_expiry(cognito: Any) -> None:
    client, stubber = cognito
    clock = FakeClock()
    stubber.add_response("get_id", {"IdentityId": IDENTITY}, {"IdentityPoolId": POOL})
    stubber.add_response(
        "get_credentials_for_identity",
        {"IdentityId": IDENTITY, "Credentials": _creds(1, T0 + timedelta(hours=1))},
        {"IdentityId": IDENTITY},
    )
    provider = _provider(client, clock=clock, refresh_margin=timedelta(minutes=5))
    creds = provider.credentials()

    clock.advance(minutes=54, seconds=59)  # 5 min 1 s left: keep the keys
    assert creds.get_frozen_credentials().access_key == "ASIAFAKE000000000001"

    new_expiry = T0 + timedelta(hours=2)
    stubber.add_response(
        "get_credentials_for_identity",
        {"IdentityId": IDENTITY, "Credentials": _creds(2, new_expiry)},
        {"IdentityId": IDENTITY},
    )
    clock.advance(seconds=2)  # 4 min 59 s left: refresh now
    assert creds.get_frozen_credentials().access_key == "ASIAFAKE000000000002"
    assert provider.expiration == new_expiry
    stubber.assert_no_pending_responses()
    # and the refreshed keys are kept until their own margin
    clock.advance(minutes=30)
    assert creds.get_frozen_credentials().access_key == "ASIAFAKE000000000002"


def test_failed_refresh_inside_the_margin_raises(cognito: Any) -> None:
    client, stubber = cognito
    clock = FakeClock()
    stubber.add_response("get_id", {"IdentityId": IDENTITY}, {"IdentityPoolId": POOL})
    stubber.add_response(
        "get_credentials_for_identity",
        {"IdentityId": IDENTITY, "Credentials": _creds(1, T0 + timedelta(hours=1))},
        {"IdentityId": IDENTITY},
    )
    creds = _provider(client, clock=clock).credentials()
    stubber.add_client_error(
        "get_credentials_for_identity", "TooManyRequestsException", "Rate exceeded", 400
    )
    clock.advance(minutes=58)
    with pytest.raises(GuestCredentialsError, match="TooManyRequestsException"):
        creds.get_frozen_credentials()


class CountingCognito:
    """A fake Cognito client that counts calls; GetCredentialsForIdentity is slow on purpose so
    that the threads pile up on the refresh while it is in flight."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.get_id_calls = 0
        self.credential_calls = 0
        self._count_lock = threading.Lock()
        self.in_refresh = threading.Event()
        self.release = threading.Event()

    def get_id(self, IdentityPoolId: str) -> dict[str, Any]:
        with self._count_lock:
            self.get_id_calls += 1
        return {"IdentityId": IDENTITY}

    def get_credentials_for_identity(self, IdentityId: str) -> dict[str, Any]:
        with self._count_lock:
            self.credential_calls += 1
            n = self.credential_calls
        if n > 1:
            self.in_refresh.set()
            self.release.wait(timeout=10)
        return {
            "IdentityId": IdentityId,
            "Credentials": _creds(n, self.clock.now + timedelta(hours=1)),
        }


def test_many_threads_cause_exactly_one_refresh() -> None:
    clock = FakeClock()
    fake = CountingCognito(clock)
    provider = _provider(fake, clock=clock)
    creds = provider.credentials()
    assert fake.credential_calls == 1

    clock.advance(minutes=57)  # inside the 5-minute margin for every thread
    threads_n = 16
    barrier = threading.Barrier(threads_n)
    seen: list[str] = []
    seen_lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        key = creds.get_frozen_credentials().access_key
        with seen_lock:
            seen.append(key)

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in threads:
        t.start()
    # Hold the refresh open until it has started; the other 15 threads are then either blocked
    # on botocore's refresh lock or about to be, and must all see the refreshed keys.
    assert fake.in_refresh.wait(timeout=10)
    fake.release.set()
    for t in threads:
        t.join(timeout=10)

    assert fake.credential_calls == 2  # the first fetch + exactly one refresh
    assert fake.get_id_calls == 1
    assert seen == ["ASIAFAKE000000000002"] * threads_n


def test_basic_flow_uses_open_id_token_and_sts(cognito: Any) -> None:
    client, stubber = cognito
    sts = _client("sts")
    stubber.add_response("get_id", {"IdentityId": IDENTITY}, {"IdentityPoolId": POOL})
    stubber.add_response(
        "get_open_id_token",
        {"IdentityId": IDENTITY, "Token": "jwt-token"},
        {"IdentityId": IDENTITY},
    )
    with Stubber(sts) as sts_stub:
        sts_stub.add_response(
            "assume_role_with_web_identity",
            {
                "Credentials": {
                    "AccessKeyId": "ASIABASIC0000000001",
                    "SecretAccessKey": "basic-secret",
                    "SessionToken": "basic-token",
                    "Expiration": T0 + timedelta(hours=1),
                }
            },
            {
                "RoleArn": ROLE,
                "RoleSessionName": "CognitoIdentityCredentials",
                "WebIdentityToken": "jwt-token",
            },
        )
        provider = _provider(client, flow="basic", role_arn=ROLE, sts_client=sts)
        assert provider.credentials().get_frozen_credentials().access_key == "ASIABASIC0000000001"
        sts_stub.assert_no_pending_responses()


def test_basic_flow_refused_when_classic_flow_is_off(cognito: Any) -> None:
    client, stubber = cognito
    stubber.add_response("get_id", {"IdentityId": IDENTITY}, {"IdentityPoolId": POOL})
    stubber.add_client_error(
        "get_open_id_token",
        "InvalidParameterException",
        "Basic (classic) flow is not enabled, please use enhanced flow.",
        400,
    )
    provider = _provider(client, flow="basic", role_arn=ROLE, sts_client=object())
    with pytest.raises(GuestCredentialsError) as info:
        provider.credentials()
    assert info.value.code == "InvalidParameterException"
    assert "AllowClassicFlow" in str(info.value)


def test_basic_flow_needs_the_role_arn() -> None:
    with pytest.raises(ValueError, match="role_arn"):
        GuestCredentialProvider(POOL, "us-east-1", flow="basic")


def test_secrets_stay_out_of_repr(cognito: Any) -> None:
    client, stubber = cognito
    stubber.add_response("get_id", {"IdentityId": IDENTITY}, {"IdentityPoolId": POOL})
    stubber.add_response(
        "get_credentials_for_identity",
        {"IdentityId": IDENTITY, "Credentials": _creds(1, T0 + timedelta(hours=1))},
    )
    text = repr(_provider(client).fetch())
    assert "ASIAFAKE000000000001" in text
    assert "secret-1" not in text and "token-1" not in text


def test_corrupt_cache_file_is_a_clear_error(tmp_path: Path) -> None:
    from guestapi.client import IdentityCacheError

    cache = tmp_path / "identities.json"
    cache.write_text("not json")
    with pytest.raises(IdentityCacheError, match="delete it"):
        _provider(object(), cache_path=cache).identity_id()


class ThreadCountingCognito:
    """A fake Cognito client that records which thread made each credentials call."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[str] = []
        self.fetched = threading.Event()

    def get_id(self, **_: Any) -> dict[str, Any]:
        return {"IdentityId": IDENTITY}

    def get_credentials_for_identity(self, **_: Any) -> dict[str, Any]:
        self.calls.append(threading.current_thread().name)
        n = len(self.calls)
        self.fetched.set()
        return {
            "IdentityId": IDENTITY,
            "Credentials": _creds(n, self.clock.now + timedelta(hours=1)),
        }


def _wait_for(predicate: Any, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.mark.parametrize("background", [True, False])
def test_background_prefetch_takes_the_refresh_off_the_request_path(background: bool) -> None:
    clock = FakeClock()
    fake = ThreadCountingCognito(clock)
    provider = GuestCredentialProvider(POOL, "us-east-1", cognito_client=fake, clock=clock)
    creds = provider.credentials()
    if background:
        provider.start_background_refresh(prefetch_lead=timedelta(minutes=2), poll_interval=0.005)
    try:
        assert creds.get_frozen_credentials().access_key == "ASIAFAKE000000000001"
        # Into the prefetch window (6 min left): the request path still uses the first keys.
        clock.advance(minutes=54)
        if background:
            assert _wait_for(lambda: len(fake.calls) == 2), fake.calls
        assert creds.get_frozen_credentials().access_key == "ASIAFAKE000000000001"
        # Into the refresh margin (4 min left): the request gets the next keys.
        clock.advance(minutes=2)
        assert creds.get_frozen_credentials().access_key == "ASIAFAKE000000000002"
    finally:
        provider.stop_background_refresh()
    request_thread = threading.current_thread().name
    on_request_path = [name for name in fake.calls[1:] if name == request_thread]
    # With the prefetch no request waited on Cognito; without it, the request did the fetch.
    assert on_request_path == ([] if background else [request_thread])
    assert len(fake.calls) == 2  # exactly one refresh either way
