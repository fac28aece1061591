"""Cognito guest credentials, fetched the way a well-behaved app install does it
(docs/clients.md): `GetId` once per install, kept in an `IdentityCache`; keys from
`GetCredentialsForIdentity` (or, when asked, the basic flow) held in botocore
`RefreshableCredentials`, which refreshes them `refresh_margin` before they expire under its own
lock, so many threads cause one refresh; and, for long-running apps,
`start_background_refresh()`, a daemon thread that fetches the next keys first, so no request
waits on Cognito. The calls themselves, and what their refusals mean, are `cognito_calls.py`'s.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from botocore.credentials import RefreshableCredentials

from guestapi.client.cognito_calls import (
    GuestCredentials,
    GuestCredentialsError,
    basic_flow,
    call,
    enhanced_flow,
    unsigned_client,
)
from guestapi.client.identity_cache import IdentityCache

logger = logging.getLogger(__name__)

Flow = Literal["enhanced", "basic"]
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class GuestCredentialProvider:
    """Guest credentials for one identity pool, cached and refreshed before they expire.

    `credentials()` returns the same botocore `RefreshableCredentials` every time; hand it to a
    signer (see `guestapi.client.signed_session`) and keep it for the life of the process.
    """

    def __init__(
        self,
        identity_pool_id: str,
        region: str,
        *,
        endpoint_url: str | None = None,
        cache_path: Path | None = None,
        flow: Flow = "enhanced",
        role_arn: str | None = None,
        refresh_margin: timedelta = timedelta(minutes=5),
        clock: Clock = _utcnow,
        cognito_client: Any = None,
        sts_client: Any = None,
    ) -> None:
        if flow not in ("enhanced", "basic"):
            raise ValueError(f"flow must be 'enhanced' or 'basic', not {flow!r}")
        if flow == "basic" and not role_arn:
            raise ValueError("the basic flow needs role_arn (the GuestRoleArn output)")
        if refresh_margin <= timedelta(0):
            raise ValueError("refresh_margin must be positive")
        self.identity_pool_id = identity_pool_id
        self.region = region
        self.endpoint_url = endpoint_url
        self.flow = flow
        self.role_arn = role_arn
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._cache = IdentityCache(cache_path)
        self._cognito = cognito_client
        self._sts = sts_client
        # Serialises identity resolution (so two threads never mint two identities) and the
        # first fetch; later refreshes are serialised by RefreshableCredentials' own lock.
        self._lock = threading.RLock()
        self._credentials: RefreshableCredentials | None = None
        self._last: GuestCredentials | None = None
        # Background prefetch: the keys in use expire at _active_expiry; _prefetched holds the
        # next keys once the background thread has fetched them.
        self._active_expiry: datetime | None = None
        self._prefetched: GuestCredentials | None = None
        self._background: threading.Thread | None = None
        self._stop = threading.Event()

    # -- public -------------------------------------------------------------------------------

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, str], **options: Any) -> GuestCredentialProvider:
        """A provider for the stack these outputs describe (``guestapi.outputs`` loads them).

        The pool and region come from ``IdentityPoolId`` and ``Region``; the Cognito endpoint from
        ``CognitoIdentityEndpoint`` when the outputs carry one (the offline stack writes it, a
        deployed stack does not, so the real Cognito is used). That keeps one snippet working
        against both. ``options`` are the constructor's keyword arguments; an explicit
        ``endpoint_url`` wins over the output.
        """
        options.setdefault("endpoint_url", outputs.get("CognitoIdentityEndpoint") or None)
        return cls(outputs["IdentityPoolId"], outputs["Region"], **options)

    def identity_id(self) -> str:
        """The install's identity id: from the cache, or minted once with GetId."""
        with self._lock:
            return self._resolve_identity()[0]

    def credentials(self) -> RefreshableCredentials:
        """The refreshable credentials (fetched on first use)."""
        with self._lock:
            if self._credentials is None:
                first = self.fetch()
                self._active_expiry = first.expiration
                # botocore takes whole seconds; rounded up, as refreshing early is safe.
                margin = math.ceil(self.refresh_margin.total_seconds())
                # advisory == mandatory: once inside the margin every thread waits on botocore's
                # refresh lock instead of carrying on with the old keys, so N threads cause exactly
                # one refresh, and a failed refresh raises instead of being logged and ignored.
                self._credentials = RefreshableCredentials(
                    access_key=first.access_key_id,
                    secret_key=first.secret_key,
                    token=first.session_token,
                    expiry_time=first.expiration,
                    refresh_using=self._refresh_metadata,
                    method=f"cognito-guest-{self.flow}",
                    time_fetcher=self._clock,
                    advisory_timeout=margin,
                    mandatory_timeout=margin,
                )
            return self._credentials

    @property
    def expiration(self) -> datetime | None:
        """Expiration of the keys fetched last (None before the first fetch)."""
        last = self._last
        return last.expiration if last else None

    @property
    def last_fetched(self) -> GuestCredentials | None:
        """The keys fetched last (None before the first fetch)."""
        return self._last

    def fetch(self) -> GuestCredentials:
        """One round of the flow: fresh keys for this install's identity (no caching of keys).

        A cached identity that Cognito no longer knows (pool recreated, identity deleted) is
        forgotten and a new one minted, once.
        """
        with self._lock:
            identity_id, minted = self._resolve_identity()
            try:
                creds = self._credentials_for(identity_id)
            except GuestCredentialsError as exc:
                if exc.code != "ResourceNotFoundException" or minted:
                    raise
                logger.info("cached identity unknown to the pool; minting a new one")
                self._cache.forget(self.identity_pool_id)
                identity_id, _ = self._resolve_identity()
                creds = self._credentials_for(identity_id)
            self._last = creds
            return creds

    def start_background_refresh(
        self,
        *,
        prefetch_lead: timedelta = timedelta(minutes=2),
        poll_interval: float = 15.0,
    ) -> None:
        """Fetch the next keys in a daemon thread, `prefetch_lead` before the refresh is due.

        The request that then crosses into `refresh_margin` only swaps the prefetched keys in
        (no network). If the prefetch failed, that request fetches as usual. `poll_interval`
        (real seconds) is how often the thread looks at the clock; `stop_background_refresh()`
        ends it.
        """
        if prefetch_lead <= timedelta(0) or poll_interval <= 0:
            raise ValueError("prefetch_lead and poll_interval must be positive")
        self.credentials()  # the first keys, fetched here rather than on a request
        with self._lock:
            if self._background is not None:
                return
            self._stop.clear()
            self._background = threading.Thread(
                target=self._prefetch_loop,
                args=(prefetch_lead, poll_interval),
                name="guest-credentials-prefetch",
                daemon=True,
            )
            self._background.start()

    def stop_background_refresh(self) -> None:
        thread = self._background
        self._stop.set()
        if thread is not None:
            thread.join(timeout=5)
        self._background = None

    # -- internals ----------------------------------------------------------------------------

    def _prefetch_loop(self, lead: timedelta, poll_interval: float) -> None:
        while not self._stop.wait(poll_interval):
            with self._lock:
                expiry, pending = self._active_expiry, self._prefetched
            if expiry is None or pending is not None:
                continue
            if expiry - self._clock() > self.refresh_margin + lead:
                continue
            try:
                fresh = self.fetch()
            except GuestCredentialsError as exc:
                # The request path still refreshes in the mandatory window; try again meanwhile.
                logger.warning("background credential prefetch failed: %s", exc)
                continue
            with self._lock:
                self._prefetched = fresh

    def _refresh_metadata(self) -> dict[str, str]:
        with self._lock:
            pending, self._prefetched = self._prefetched, None
        if pending is not None and pending.expiration - self._clock() > self.refresh_margin:
            creds = pending
        else:
            creds = self.fetch()
        with self._lock:
            self._active_expiry = creds.expiration
        return {
            "access_key": creds.access_key_id,
            "secret_key": creds.secret_key,
            "token": creds.session_token,
            "expiry_time": creds.expiration.isoformat(),
        }

    def _resolve_identity(self) -> tuple[str, bool]:
        cached = self._cache.get(self.identity_pool_id)
        if cached:
            return cached, False
        answer = call(
            self._cognito_client(), "GetId", "get_id", IdentityPoolId=self.identity_pool_id
        )
        identity_id = answer["IdentityId"]
        self._cache.put(self.identity_pool_id, identity_id)
        return identity_id, True

    def _credentials_for(self, identity_id: str) -> GuestCredentials:
        if self.flow == "enhanced":
            return enhanced_flow(self._cognito_client(), identity_id, self._clock)
        assert self.role_arn is not None
        return basic_flow(
            self._cognito_client(), self._sts_client(), identity_id, self.role_arn, self._clock
        )

    def _cognito_client(self) -> Any:
        if self._cognito is None:
            self._cognito = unsigned_client("cognito-identity", self.region, self.endpoint_url)
        return self._cognito

    def _sts_client(self) -> Any:
        # The offline stack serves STS on the Cognito endpoint, so one override covers both.
        if self._sts is None:
            self._sts = unsigned_client("sts", self.region, self.endpoint_url)
        return self._sts
