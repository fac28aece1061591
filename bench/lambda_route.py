"""The Lambda route beside the MOCK one, in one stack and one run: what a function costs.

examples/lambda-route serves `GET /demo` (MOCK) and `GET /whoami` (a Python function in a warm
sandbox that updates a DynamoDB table through the front door) behind the same SigV4 and IAM
checks. Both are driven by wrk with header-signed requests at 1 and 8 connections, taking turns.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import count_client
import guest_target
import wrk_runner
from offline_process import ROOT, UNTHROTTLED, start_offline, unthrottled_template

EXAMPLE = ROOT / "examples" / "lambda-route" / "template.yaml"


@dataclass(frozen=True)
class LambdaRoutePair:
    connections: int
    mock: wrk_runner.WrkResult
    function: wrk_runner.WrkResult

    @property
    def ratio(self) -> float:
        """Lambda-route requests/s as a fraction of the MOCK route's."""
        return self.function.rps / self.mock.rps if self.mock.rps else 0.0


@dataclass(frozen=True)
class LambdaRouteResult:
    pairs: list[LambdaRoutePair]
    duration_s: float

    @property
    def wrong_answers(self) -> int:
        runs = [run for p in self.pairs for run in (p.mock, p.function)]
        return sum(run.status_errors + run.socket_errors for run in runs)


def measure(*, connections: tuple[int, ...] = (1, 8), duration_s: float = 4.0) -> LambdaRouteResult:
    with (
        tempfile.TemporaryDirectory(prefix="guestapi-bench-lambda-") as tmp,
        start_offline(UNTHROTTLED, template=unthrottled_template(Path(tmp), EXAMPLE)) as server,
    ):
        target = guest_target.prepare(server.outputs)
        whoami = target.api_url + "/whoami"
        # Warm-up: the first calls start the sandboxes (cold starts are in lambda_isolation).
        count_client.send(whoami, 100, headers=target.header_signed("/whoami"))
        pairs = []
        for count in connections:
            mock = wrk_runner.run(
                target.demo_url,
                connections=count,
                duration_s=duration_s,
                headers=target.header_signed_demo(),
            )
            function = wrk_runner.run(
                whoami,
                connections=count,
                duration_s=duration_s,
                headers=target.header_signed("/whoami"),
            )
            pairs.append(LambdaRoutePair(count, mock, function))
    return LambdaRouteResult(pairs, duration_s)
