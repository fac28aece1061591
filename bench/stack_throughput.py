"""Measurement 3: the offline stack's throughput and latency, signed route against open route.

Signed `GET /demo` (presigned URL: parse, scope, credential lookup, botocore recomputation, IAM
policy evaluation, throttle, MOCK integration, VTL response template) against the same server's
unauthenticated `OPTIONS /demo` CORS preflight (route match, MOCK integration, header mapping),
at 1, 8 and 32 keep-alive connections, wrk on loopback. The two routes alternate at each
concurrency so drift on the machine hits both alike. Requests/s ratio, p50 and p99 per run.
"""

from __future__ import annotations

from dataclasses import dataclass

import wrk_runner
from guest_target import PREFLIGHT_HEADERS, GuestTarget


@dataclass(frozen=True)
class RoutePair:
    connections: int
    signed: wrk_runner.WrkResult
    options: wrk_runner.WrkResult

    @property
    def ratio(self) -> float:
        """Signed requests/s as a fraction of OPTIONS requests/s (target >= 0.5)."""
        return self.signed.rps / self.options.rps if self.options.rps else 0.0


@dataclass(frozen=True)
class ThroughputResult:
    pairs: list[RoutePair]
    duration_s: float
    control: wrk_runner.WrkResult  # tampered signature: every answer must be a status error
    warmup_requests: int

    @property
    def requests(self) -> int:
        """Every request this measurement sent (warm-up and control included)."""
        measured = sum(p.signed.requests + p.options.requests for p in self.pairs)
        return measured + self.warmup_requests + self.control.requests

    @property
    def wrong_answers(self) -> int:
        return sum(
            p.signed.status_errors
            + p.options.status_errors
            + p.signed.socket_errors
            + p.options.socket_errors
            for p in self.pairs
        )


def measure(
    target: GuestTarget, *, connections: tuple[int, ...] = (1, 8, 32), duration_s: float = 5.0
) -> ThroughputResult:
    # Warm-up (first-use costs: imports on the request path, caches): not measured.
    warmups = [
        wrk_runner.run(target.presigned_demo_url, connections=8, duration_s=1, limit=300),
        wrk_runner.run(
            target.demo_url,
            connections=8,
            duration_s=1,
            method="OPTIONS",
            headers=PREFLIGHT_HEADERS,
            limit=300,
        ),
    ]
    pairs = []
    for count in connections:
        signed = wrk_runner.run(target.presigned_demo_url, connections=count, duration_s=duration_s)
        options = wrk_runner.run(
            target.demo_url,
            connections=count,
            duration_s=duration_s,
            method="OPTIONS",
            headers=PREFLIGHT_HEADERS,
        )
        pairs.append(RoutePair(count, signed, options))
    # A control that shows the wrong-answer count can be non-zero: wrk counts every 403.
    control = wrk_runner.run(target.tampered_demo_url, connections=8, duration_s=2, limit=500)
    return ThroughputResult(
        pairs=pairs,
        duration_s=duration_s,
        control=control,
        warmup_requests=sum(w.requests for w in warmups),
    )
