"""What the offline Lambda runtime's process isolation costs per invocation.

The same handler is called three ways, in one run, on one machine:

- directly in this process (no isolation at all: what a test harness calling the handler does);
- through `FunctionRuntime.invoke` on a warm sandbox (the offline stack's way: a worker process
  per concurrent invocation, kept warm, JSON frames over private pipes);
- cold: a new sandbox for the call (process start + handler import), which is what isolating
  each invocation in a fresh process would cost every time, and what the offline stack pays
  once per sandbox.

Rounds interleave direct and warm calls, so load from elsewhere on the machine hits both alike.
Two events: a typical API Gateway proxy event (~1.5 KB) and one with a 256 KB body.

The two kinds of sandbox are compared in the same run, warm and cold, interleaved: with a PID
namespace of its own (unshare, what the stack uses where the machine allows it) and a plain
process tree (the fallback, which is also the isolation the stack had before namespaces).
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from guestapi.offline.awslambda.environment import Credentials
from guestapi.offline.awslambda.isolation import PROCESS_ONLY, Isolation, detect
from guestapi.offline.awslambda.outcomes import Outcome
from guestapi.offline.awslambda.runtime import FunctionRuntime
from guestapi.offline.awslambda.spec import FunctionSpec

HANDLER_SOURCE = """
import json


def handler(event, context):
    identity = event["requestContext"]["identity"]
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"identityId": identity["cognitoIdentityId"],
                            "size": len(event.get("body") or "")}),
    }
"""
BOTO3_HANDLER_SOURCE = "import boto3  # what most functions import at init\n" + HANDLER_SOURCE
RSS_SOURCE = """
def handler(event, context):
    if event.get("boto3"):
        import boto3  # noqa: F401
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None
"""
ROUNDS = 20


@dataclass(frozen=True)
class Timing:
    median_us: float
    p99_us: float


@dataclass(frozen=True)
class EventResult:
    name: str
    event_bytes: int
    direct: Timing
    isolated: Timing

    @property
    def overhead_us(self) -> float:
        return self.isolated.median_us - self.direct.median_us

    @property
    def ratio(self) -> float:
        return self.isolated.median_us / self.direct.median_us


@dataclass(frozen=True)
class KindCost:
    """One kind of sandbox: its warm round trip (proxy event) and its cold start."""

    name: str
    warm_us: float
    cold_ms: float


@dataclass(frozen=True)
class IsolationResult:
    events: tuple[EventResult, ...]
    cold_ms: float  # median first invocation of a new sandbox, minimal handler
    cold_boto3_ms: float  # the same, with a handler module that imports boto3
    rss_mb: float | None  # one warm sandbox's resident memory (Linux), minimal handler
    rss_boto3_mb: float | None  # ... after importing boto3
    calls: int
    kinds: tuple[KindCost, ...] = ()  # namespace (when available) and process-only, one run


def proxy_event(body: str | None = None) -> dict[str, Any]:
    """A format 1.0 proxy event as the offline gateway builds it for a signed guest call."""
    return {
        "resource": "/whoami",
        "path": "/whoami",
        "httpMethod": "GET" if body is None else "POST",
        "headers": {
            "Accept": "application/json",
            "Host": "127.0.0.1:4566",
            "User-Agent": "python-requests/2.32",
            "X-Amz-Date": "20240101T000000Z",
            "X-Amz-Security-Token": "IQoJb3JpZ2luX2VjE" + "A" * 600,
        },
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/whoami",
            "httpMethod": "GET",
            "path": "/dev/whoami",
            "stage": "dev",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {
                "cognitoIdentityPoolId": "us-east-1:0f6a4b3e-1111-2222-3333-444455556666",
                "cognitoIdentityId": "us-east-1:7d1a2b3c-aaaa-bbbb-cccc-ddddeeeeffff",
                "cognitoAuthenticationType": "unauthenticated",
                "userArn": "arn:aws:sts::123456789012:assumed-role/guest/CognitoIdentityCredentials",
                "sourceIp": "127.0.0.1",
            },
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
        },
        "body": body,
        "isBase64Encoded": False,
    }


class _Context:
    aws_request_id = "direct"
    function_name = "bench"
    memory_limit_in_mb = "128"

    def get_remaining_time_in_millis(self) -> int:
        return 3000


def _credentials() -> Credentials:
    return Credentials(
        "ASIABENCHMARK0000001",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBENCHMARK0",
        "IQoJb3JpZ2luX2VjE" + "A" * 900,
        datetime.now(UTC) + timedelta(hours=1),
    )


def _spec(code_dir: Path, module: str) -> FunctionSpec:
    return FunctionSpec(
        logical_id="Bench",
        name="bench",
        arn="arn:aws:lambda:us-east-1:123456789012:function:bench",
        code_dir=code_dir,
        handler=f"{module}.handler",
        runtime="python3.12",
        timeout_s=30.0,
        memory_mb=128,
    )


def _timing(samples: list[float]) -> Timing:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return Timing(statistics.median(ordered) * 1e6, p99 * 1e6)


def _time_calls(call: Callable[[], Any], count: int, into: list[float]) -> None:
    for _ in range(count):
        started = time.perf_counter()
        call()
        into.append(time.perf_counter() - started)


def _direct_handler(code_dir: Path) -> Callable[[dict[str, Any], Any], Any]:
    spec = importlib.util.spec_from_file_location("bench_direct", code_dir / "fast.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


def _measure_event(
    name: str, event: dict[str, Any], runtime: FunctionRuntime, handler: Any, calls: int
) -> EventResult:
    def isolated() -> None:
        if runtime.invoke(event).outcome is not Outcome.OK:
            raise RuntimeError("the benchmark handler failed in its sandbox")

    context = _Context()
    direct_samples: list[float] = []
    isolated_samples: list[float] = []
    per_round = max(1, calls // ROUNDS)
    for _ in range(ROUNDS):
        _time_calls(lambda: handler(event, context), per_round, direct_samples)
        _time_calls(isolated, per_round, isolated_samples)
    return EventResult(
        name,
        len(json.dumps(event)),
        _timing(direct_samples),
        _timing(isolated_samples),
    )


def _runtime(code_dir: Path, module: str, isolation: Isolation | None = None) -> FunctionRuntime:
    return FunctionRuntime(
        _spec(code_dir, module), credentials=_credentials, endpoints={}, isolation=isolation
    )


def _cold_once(code_dir: Path, module: str, isolation: Isolation | None = None) -> float:
    runtime = _runtime(code_dir, module, isolation)
    try:
        started = time.perf_counter()
        if runtime.invoke(proxy_event()).outcome is not Outcome.OK:
            raise RuntimeError("the benchmark handler failed in its sandbox")
        return time.perf_counter() - started
    finally:
        runtime.close()


def _cold_ms(code_dir: Path, module: str, runs: int) -> float:
    return statistics.median(_cold_once(code_dir, module) for _ in range(runs)) * 1000


def _kinds(code_dir: Path, calls: int, cold_runs: int) -> tuple[KindCost, ...]:
    """Warm and cold cost of each kind of sandbox this machine has, rounds interleaved."""
    kinds = {"PID namespace": detect()} if detect().namespaced else {}
    kinds["process only"] = PROCESS_ONLY
    runtimes = {name: _runtime(code_dir, "fast", isolation) for name, isolation in kinds.items()}
    warm: dict[str, list[float]] = {name: [] for name in kinds}
    cold: dict[str, list[float]] = {name: [] for name in kinds}
    event = proxy_event()
    try:
        for runtime in runtimes.values():
            runtime.invoke(event)
        for _ in range(ROUNDS):
            for name, runtime in runtimes.items():
                _time_calls(lambda r=runtime: r.invoke(event), max(1, calls // ROUNDS), warm[name])
    finally:
        for runtime in runtimes.values():
            runtime.close()
    for _ in range(cold_runs):
        for name, isolation in kinds.items():
            cold[name].append(_cold_once(code_dir, "fast", isolation))
    return tuple(
        KindCost(name, _timing(warm[name]).median_us, statistics.median(cold[name]) * 1000)
        for name in kinds
    )


def _rss_mb(code_dir: Path, *, boto3: bool) -> float | None:
    runtime = _runtime(code_dir, "rss")
    try:
        result = runtime.invoke({"boto3": boto3})
    finally:
        runtime.close()
    return result.payload if result.ok else None


def measure(*, calls: int = 2000, cold_runs: int = 10) -> IsolationResult:
    with tempfile.TemporaryDirectory(prefix="guestapi-lambda-bench-") as tmp:
        code_dir = Path(tmp)
        (code_dir / "fast.py").write_text(HANDLER_SOURCE)
        (code_dir / "with_boto3.py").write_text(BOTO3_HANDLER_SOURCE)
        (code_dir / "rss.py").write_text(RSS_SOURCE)
        handler = _direct_handler(code_dir)
        runtime = _runtime(code_dir, "fast")
        try:
            runtime.invoke(proxy_event())  # warm: the sandbox exists before the clock starts
            events = (
                _measure_event("proxy event", proxy_event(), runtime, handler, calls),
                _measure_event(
                    "256 KB body", proxy_event("b" * 256 * 1024), runtime, handler, calls // 4
                ),
            )
        finally:
            runtime.close()
        return IsolationResult(
            events=events,
            cold_ms=_cold_ms(code_dir, "fast", cold_runs),
            cold_boto3_ms=_cold_ms(code_dir, "with_boto3", max(1, cold_runs // 2)),
            rss_mb=_rss_mb(code_dir, boto3=False),
            rss_boto3_mb=_rss_mb(code_dir, boto3=True),
            calls=calls,
            kinds=_kinds(code_dir, calls // 2, cold_runs),
        )


def report_lines(result: IsolationResult) -> list[str]:
    lines = [
        f"{'event':<14} {'bytes':>8} {'direct med/p99 us':>20} {'sandbox med/p99 us':>20} "
        f"{'overhead us':>12} {'ratio':>7}"
    ]
    for e in result.events:
        lines.append(
            f"{e.name:<14} {e.event_bytes:>8} "
            f"{e.direct.median_us:>9.1f}/{e.direct.p99_us:<10.1f} "
            f"{e.isolated.median_us:>9.1f}/{e.isolated.p99_us:<10.1f} "
            f"{e.overhead_us:>12.1f} {e.ratio:>6.0f}x"
        )
    lines.append(
        f"cold start (spawn + import + first call): {result.cold_ms:.0f} ms minimal handler, "
        f"{result.cold_boto3_ms:.0f} ms with boto3 imported"
    )
    if result.rss_mb is not None and result.rss_boto3_mb is not None:
        lines.append(
            f"memory per warm sandbox (RSS): {result.rss_mb:.0f} MB minimal handler, "
            f"{result.rss_boto3_mb:.0f} MB with boto3 imported"
        )
    if result.kinds:
        lines.append("kind of sandbox, same run   warm round trip us   cold start ms")
        lines += [f"{k.name:<27} {k.warm_us:>19.1f} {k.cold_ms:>15.1f}" for k in result.kinds]
    if len(result.kinds) == 2:
        namespaced, plain = result.kinds
        lines.append(
            f"namespace / process only: warm {namespaced.warm_us / plain.warm_us:.2f}x, "
            f"cold {namespaced.cold_ms / plain.cold_ms:.2f}x"
        )
    return lines
