"""Measurement 3: the offline stack's throughput and latency, signed route against open route.

Signed `GET /demo` (parse, scope, credential lookup, botocore recomputation, IAM policy
evaluation, throttle, MOCK integration, VTL response template) in both SigV4 forms, header-signed
(the client's form) and presigned, against the same server's unauthenticated `OPTIONS /demo` CORS
preflight (route match, MOCK integration, header mapping), at 1, 8 and 32 keep-alive connections,
wrk on loopback. The routes take turns at each concurrency so drift on the machine hits them all
alike. Requests/s ratio, p50 and p99 per run.
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

    @property
    def ratio(self) -> float:
        """Header-signed requests/s as a fraction of OPTIONS requests/s (target >= 0.5)."""
        return self.signed.rps / self.options.rps if self.options.rps else 0.0

    @property
    def presigned_ratio(self) -> float:
        return self.presigned.rps / self.options.rps if self.options.rps else 0.0

    @property
    def runs(self) -> tuple[wrk_runner.WrkResult, ...]:
        return (self.signed, self.presigned, self.options)


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
        return sum(run.status_errors + run.socket_errors for p in self.pairs for run in p.runs)


def measure(
    target: GuestTarget, *, connections: tuple[int, ...] = (1, 8, 32), duration_s: float = 5.0
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
        pairs.append(RoutePair(count, signed, presigned, options))
    # A control that shows the wrong-answer count can be non-zero: every 403 is counted.
    control = count_client.send(target.tampered_demo_url, 500)
    return ThroughputResult(
        pairs=pairs,
        duration_s=duration_s,
        control=control,
        warmup_requests=sum(w.requests for w in warmups),
    )
