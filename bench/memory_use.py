"""Measurement 4: memory of the offline stack under traffic, and the bounds of its stores.

Two parts:
- RSS of the `scripts/local.py` process (from /proc) after start-up, after 1k and after 100k
  requests, and after 10k `GetId` calls on top: does memory grow with traffic?
- The stores' bounds, in-process: a `CredentialStore` asked for twice `max_entries` holds the
  bound and refuses the rest (no live credential is revoked), expired credentials go with
  `purge_expired`, and a `CognitoIdentityService`
  must forget its oldest identities past `max_identities`. The per-credential size (tracemalloc)
  gives the memory the default 100k bound allows.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import count_client
import wrk_runner
from guest_target import GuestTarget
from guestapi.offline.credentials import CredentialStore, StoreFull, WebIdentity
from guestapi.offline.iam import Role
from guestapi.offline.launch import build
from guestapi.offline.wire import Request
from offline_process import OfflineProcess


@dataclass(frozen=True)
class RssPoint:
    label: str
    requests_served: int  # HTTP requests the server had answered so far (API + Cognito)
    rss_mib: float


@dataclass
class RssTracker:
    process: OfflineProcess
    served: int = 0
    wrong_answers: int = 0
    points: list[RssPoint] = field(default_factory=list)

    def record(self, label: str) -> RssPoint:
        time.sleep(0.2)  # let the server finish any response it is still writing
        point = RssPoint(label, self.served, self.process.rss_kib() / 1024)
        self.points.append(point)
        return point

    def count(self, result: count_client.CountResult | wrk_runner.WrkResult) -> None:
        self.served += result.requests
        self.wrong_answers += result.status_errors + result.socket_errors


def signed_requests(tracker: RssTracker, target: GuestTarget, until_served: int) -> None:
    """Send presigned GET /demo until the server has answered `until_served` requests."""
    if tracker.served < until_served:
        tracker.count(count_client.send(target.presigned_demo_url, until_served - tracker.served))


def get_id_calls(tracker: RssTracker, target: GuestTarget, count: int) -> None:
    """`count` unsigned GetId calls; each mints an identity."""
    tracker.count(
        count_client.send(
            target.cognito_endpoint,
            count,
            method="POST",
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityService.GetId",
            },
            body=json.dumps({"IdentityPoolId": target.identity_pool_id}).encode(),
        )
    )


# ------------------------------------------------------------------------------- store bounds
@dataclass(frozen=True)
class StoreBounds:
    max_entries: int
    issued: int  # issue() calls made, twice the bound
    held_after_issue: int  # must be == max_entries: full, nobody revoked
    refused_when_full: int  # issue() calls refused (StoreFull) while every credential was live
    bytes_per_credential: float
    mib_at_default_bound: float  # bytes_per_credential * 100_000
    purged_after_expiry: int
    held_after_purge: int
    max_identities: int
    get_ids: int
    get_ids_refused: int  # GetId past the bound: TooManyRequestsException
    first_identity_kept: bool  # still served after the store filled up


class _Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _json(target: str, body: dict[str, str]) -> Request:
    return Request("POST", "/", "", (("X-Amz-Target", target),), json.dumps(body).encode())


def _issue(store: CredentialStore, n: int) -> None:
    for i in range(n):
        store.issue(
            ttl=timedelta(hours=1),
            role=Role("Guest", "arn:aws:iam::123456789012:role/bench", "bench", "AROABENCH", {}),
            session_name="CognitoIdentityCredentials",
            web_identity=WebIdentity(
                f"us-east-1:00000000-0000-0000-0000-{i:012d}",
                "us-east-1:11111111-1111-1111-1111-111111111111",
                "unauthenticated",
            ),
        )


def store_bounds(*, max_entries: int = 10_000, max_identities: int = 1_000) -> StoreBounds:
    clock = _Clock()
    # Size per credential: tracemalloc over a store that never reaches its bound.
    sizing = CredentialStore(clock=clock, max_entries=max_entries)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    _issue(sizing, max_entries // 2)
    per_credential = (tracemalloc.get_traced_memory()[0] - base) / (max_entries // 2)
    tracemalloc.stop()
    del sizing

    store = CredentialStore(clock=clock, max_entries=max_entries)
    issued = 2 * max_entries
    refused = 0
    for _ in range(issued):
        try:
            _issue(store, 1)
        except StoreFull:
            refused += 1
    held = len(store)
    clock.now += timedelta(hours=1, minutes=1)  # every credential has expired
    purged = store.purge_expired()
    held_after_purge = len(store)

    # Identities: a stack with a small bound refuses new ones and forgets nobody.
    offline = build(clock=clock, max_identities=max_identities)
    service = offline.cognito
    pool_id = next(iter(offline.stack.identity_pools))
    target = "AWSCognitoIdentityService."
    ids = []
    get_ids = max_identities + max_identities // 2
    for _ in range(get_ids):
        answer = service.handle(_json(target + "GetId", {"IdentityPoolId": pool_id}))
        if answer.status == 200:
            ids.append(json.loads(answer.body)["IdentityId"])

    def credentials_status(identity_id: str) -> tuple[int, str | None]:
        answer = service.handle(
            _json(target + "GetCredentialsForIdentity", {"IdentityId": identity_id})
        )
        return answer.status, answer.header("x-amzn-ErrorType")

    return StoreBounds(
        max_entries=max_entries,
        issued=issued,
        held_after_issue=held,
        refused_when_full=refused,
        bytes_per_credential=per_credential,
        mib_at_default_bound=per_credential * 100_000 / 2**20,
        purged_after_expiry=purged,
        held_after_purge=held_after_purge,
        max_identities=max_identities,
        get_ids=get_ids,
        get_ids_refused=get_ids - len(ids),
        first_identity_kept=credentials_status(ids[0])[0] == 200,
    )
