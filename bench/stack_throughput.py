"""Measurement 3: the offline stack's throughput and latency, signed route against open route.

Signed `GET /demo` (parse, scope, credential lookup, botocore recomputation, IAM policy
evaluation, throttle, MOCK integration, VTL response template) in both SigV4 forms, header-signed
(the client's form) and presigned, against the same server's unauthenticated `OPTIONS /demo` CORS
preflight (route match, MOCK integration, header mapping), at 1, 8 and 32 keep-alive connections,
wrk on loopback. The limit: a bare uvicorn app answering the same body (bare_uvicorn.py). The
runs take turns at each concurrency so drift on the machine hits them all alike. Requests/s
ratios, p50 and p99 per run.
"""

from __future__ import annotations

from dataclasses import dataclass

import count_client
import wrk_runner
from guest_target import PREFLIGHT_HEADERS, GuestTarget


@dataclass(frozen=True)
class RoutePair:
    connections: int
    signed: wrk_runner.WrkResult  # header-signed, the client's form
    presigned: wrk_runner.WrkResult
    options: wrk_runner.WrkResult
    bare: wrk_runner.WrkResult  # bare uvicorn, same body: the limit

    @property
    def ratio(self) -> float:
        """Header-signed requests/s as a fraction of OPTIONS requests/s (target >= 0.5)."""
        return _fraction(self.signed, self.options)

    @property
    def presigned_ratio(self) -> float:
        return _fraction(self.presigned, self.options)

    @property
    def bare_ratio(self) -> float:
        """Header-signed requests/s as a fraction of bare uvicorn's (target >= 0.25)."""
        return _fraction(self.signed, self.bare)

    def to_bare(self, run: wrk_runner.WrkResult) -> float:
        return _fraction(run, self.bare)

    @property
    def runs(self) -> tuple[wrk_runner.WrkResult, ...]:
        """The offline stack's runs (the bare app's answers are not the stack's)."""
        return (self.signed, self.presigned, self.options)


def _fraction(run: wrk_runner.WrkResult, base: wrk_runner.WrkResult) -> float:
    return run.rps / base.rps if base.rps else 0.0


@dataclass(frozen=True)
class ThroughputResult:
    pairs: list[RoutePair]
    duration_s: float
    control: count_client.CountResult  # tampered signature: every answer must be an error
    warmup_requests: int

    @property
    def requests(self) -> int:
        """Every request this measurement sent (warm-up and control included)."""
        measured = sum(run.requests for p in self.pairs for run in p.runs)
        return measured + self.warmup_requests + self.control.requests

    @property
    def wrong_answers(self) -> int:
        runs = [run for p in self.pairs for run in (*p.runs, p.bare)]
        return sum(run.status_errors + run.socket_errors for run in runs)


def measure(
    target: GuestTarget,
    bare_url: str,
    *,
    connections: tuple[int, ...] = (1, 8, 32),
    duration_s: float = 5.0,
) -> ThroughputResult:
    # Warm-up (first-use costs: imports on the request path, caches): not measured.
    warmups = [
        count_client.send(target.demo_url, 300, headers=target.header_signed_demo()),
        count_client.send(target.presigned_demo_url, 300),
        count_client.send(target.demo_url, 300, method="OPTIONS", headers=PREFLIGHT_HEADERS),
    ]
    pairs = []
    for count in connections:
        signed = wrk_runner.run(
            target.demo_url,
            connections=count,
            duration_s=duration_s,
            headers=target.header_signed_demo(),  # signed now: valid for 5 minutes
        )
        presigned = wrk_runner.run(
            target.presigned_demo_url, connections=count, duration_s=duration_s
        )
        options = wrk_runner.run(
            target.demo_url,
            connections=count,
            duration_s=duration_s,
            method="OPTIONS",
            headers=PREFLIGHT_HEADERS,
        )
        bare = wrk_runner.run(bare_url + "/demo", connections=count, duration_s=duration_s)
        pairs.append(RoutePair(count, signed, presigned, options, bare))
    # A control that shows the wrong-answer count can be non-zero: every 403 is counted.
    control = count_client.send(target.tampered_demo_url, 500)
    return ThroughputResult(
        pairs=pairs,
        duration_s=duration_s,
        control=control,
        warmup_requests=sum(w.requests for w in warmups),
    )
