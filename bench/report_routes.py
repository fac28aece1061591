"""Report sections for the Lambda route, the isolation cost and the worst-case load."""

from __future__ import annotations

from lambda_isolation import IsolationResult, report_lines
from lambda_route import LambdaRouteResult
from worst_case import WorstCaseResult

# Normal calls under a worst-case request loop: p99 at most this multiple of the unloaded p99.
MAX_WORST_CASE_P99_RATIO = 2.0


def route_targets(lam: LambdaRouteResult, worst: WorstCaseResult) -> list[tuple[str, str, bool]]:
    return [
        (
            "Lambda route: zero wrong answers under load",
            f"{lam.wrong_answers} wrong",
            lam.wrong_answers == 0,
        ),
        (
            f"p99 of normal calls during a worst-case loop <= {MAX_WORST_CASE_P99_RATIO:g}x unloaded",
            f"{worst.under_attack.p99_ms:.1f} ms vs {worst.baseline.p99_ms:.1f} ms "
            f"({worst.p99_ratio:.2f}x); {worst.refused} worst-case requests refused",
            worst.p99_ratio <= MAX_WORST_CASE_P99_RATIO,
        ),
        ("no worst-case request served", f"{worst.served} served", worst.served == 0),
    ]


def route_lines(lam: LambdaRouteResult, iso: IsolationResult, worst: WorstCaseResult) -> list[str]:
    lines = [
        "## Lambda route next to MOCK",
        "",
        "`examples/lambda-route` in one `scripts/local.py` process: header-signed `GET /demo`",
        "(MOCK) and `GET /whoami` (a Python function in a warm sandbox that updates a DynamoDB",
        f"table through the front door), wrk {lam.duration_s:.0f} s each, taking turns.",
        "",
        "| connections | MOCK req/s | MOCK p99 ms | Lambda req/s | Lambda p99 ms | Lambda / MOCK |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {p.connections} | {p.mock.rps:,.0f} | {p.mock.p99_ms:.1f} | {p.function.rps:,.0f} | "
        f"{p.function.p99_ms:.1f} | {p.ratio:.2f} |"
        for p in lam.pairs
    ]
    lines += [
        "",
        "## Cost of the Lambda isolation",
        "",
        "`bench/lambda_isolation.py`: the same handler called directly and through a warm sandbox",
        "(worker process, pipes, log forwarding), interleaved in one run; then the two kinds of",
        "sandbox, warm and cold, interleaved: with a PID namespace of its own (what the stack uses",
        "where the machine allows it) and a plain process tree (the fallback).",
        "",
        "```",
        *report_lines(iso),
        "```",
        "",
        "## Normal calls while worst-case requests are refused",
        "",
        "Header-signed `GET /demo` at 8 connections, without and then with a loop of requests at",
        "the limits (99 SignedHeaders names, 150 extra headers), each refused.",
        "",
        "| run | req/s | p50 ms | p99 ms |",
        "| --- | --- | --- | --- |",
        f"| unloaded | {worst.baseline.rps:,.0f} | {worst.baseline.p50_ms:.1f} | "
        f"{worst.baseline.p99_ms:.1f} |",
        f"| during the worst-case loop ({worst.refused} refused) | {worst.under_attack.rps:,.0f} | "
        f"{worst.under_attack.p50_ms:.1f} | {worst.under_attack.p99_ms:.1f} |",
        "",
    ]
    return lines
