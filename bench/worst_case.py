"""Normal signed calls while worst-case requests are being refused, in one run.

The worst case the server accepts to look at: a signed request just under every limit (99
SignedHeaders names, 150 extra headers, all refused after the SigV4 pre-checks), sent in a loop
by another process-free thread with its own keep-alive connection. wrk measures header-signed
`GET /demo` with and without that load, taking turns; the p99s should stay close.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests

import wrk_runner
from guest_target import GuestTarget


@dataclass(frozen=True)
class WorstCaseResult:
    baseline: wrk_runner.WrkResult
    under_attack: wrk_runner.WrkResult
    refused: int  # worst-case requests refused during the loaded run
    served: int  # worst-case requests answered 2xx (must be 0)

    @property
    def p99_ratio(self) -> float:
        base = self.baseline.p99_ms
        return self.under_attack.p99_ms / base if base else 0.0


def _worst_headers() -> dict[str, str]:
    names = ";".join(f"x{i}" for i in range(99))
    return {
        "Authorization": "AWS4-HMAC-SHA256 Credential=ASIAXXXXXXXXXXXXXXXX/20260101/us-east-1/"
        f"execute-api/aws4_request, SignedHeaders=host;{names}, Signature=00",
        "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        **{f"X-Pad-{i}": "y" * 40 for i in range(150)},
    }


def measure(
    target: GuestTarget, *, connections: int = 8, duration_s: float = 4.0
) -> WorstCaseResult:
    baseline = wrk_runner.run(
        target.demo_url,
        connections=connections,
        duration_s=duration_s,
        headers=target.header_signed_demo(),
    )
    stop = threading.Event()
    counts = {"refused": 0, "served": 0}

    def attack() -> None:
        headers = _worst_headers()
        with requests.Session() as session:
            while not stop.is_set():
                status = session.get(target.demo_url, headers=headers, timeout=10).status_code
                counts["served" if status < 300 else "refused"] += 1

    attacker = threading.Thread(target=attack, daemon=True)
    attacker.start()
    try:
        loaded = wrk_runner.run(
            target.demo_url,
            connections=connections,
            duration_s=duration_s,
            headers=target.header_signed_demo(),
        )
    finally:
        stop.set()
        attacker.join(timeout=15)
    return WorstCaseResult(baseline, loaded, counts["refused"], counts["served"])
