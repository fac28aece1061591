"""Turns one run's results into the console table and docs/benchmarks.md.

Every figure and ratio comes from the same run; nothing here is typed in by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from attestation_refusals import MAX_CPU_MS, RefusalCost
from attestation_refusals import report_lines as refusal_lines
from attestation_refusals import section_lines as refusal_section
from attested_flow import AttestedFlowResult
from attested_flow import report_lines as attested_lines
from client_round_trips import RoundTripResult
from lambda_isolation import IsolationResult
from lambda_route import LambdaRouteResult
from machine import Machine
from memory_use import RssPoint, StoreBounds
from report_routes import route_lines, route_targets
from signing_cost import SignerResult
from stack_throughput import ThroughputResult
from startup_time import StartupResult
from verify_cost import VerifyResult
from worst_case import WorstCaseResult

# The targets. Reported, never asserted in tests; `make bench` exits non-zero when one is missed.
MIN_SIGNED_RATIO = 0.5
MIN_BARE_RATIO = 0.25
MAX_P99_MS_AT_32 = 20.0
MAX_STARTUP_S = 3.0


@dataclass(frozen=True)
class RunResults:
    machine: Machine
    signing: list[SignerResult]
    verifier: list[VerifyResult]
    round_trips: RoundTripResult
    startup: StartupResult
    throughput: ThroughputResult
    rss: list[RssPoint]
    load_wrong_answers: int  # memory-phase wrk runs
    store: StoreBounds
    elapsed_s: float
    lambda_route: LambdaRouteResult
    isolation: IsolationResult
    worst_case: WorstCaseResult
    attested: AttestedFlowResult
    refusals: RefusalCost


@dataclass(frozen=True)
class Target:
    name: str
    figure: str
    met: bool


def targets(r: RunResults) -> list[Target]:
    worst_ratio = min(p.ratio for p in r.throughput.pairs)
    worst_presigned = min(p.presigned_ratio for p in r.throughput.pairs)
    worst_bare = min(p.bare_ratio for p in r.throughput.pairs)
    at_32 = next((p for p in r.throughput.pairs if p.connections == 32), None)
    wrong = r.throughput.wrong_answers + r.load_wrong_answers + r.round_trips.wrong_answers
    found = [
        Target(
            "header-signed req/s >= 0.5 x OPTIONS req/s (every concurrency)",
            f"lowest ratio {worst_ratio:.2f}",
            worst_ratio >= MIN_SIGNED_RATIO,
        ),
        Target(
            "presigned req/s >= 0.5 x OPTIONS req/s (every concurrency)",
            f"lowest ratio {worst_presigned:.2f}",
            worst_presigned >= MIN_SIGNED_RATIO,
        ),
        Target(
            "header-signed req/s >= 0.25 x bare uvicorn req/s (every concurrency)",
            f"lowest ratio {worst_bare:.2f}",
            worst_bare >= MIN_BARE_RATIO,
        ),
    ]
    if at_32 is not None:
        worst_p99 = max(run.p99_ms for run in at_32.runs)
        found.append(
            Target(
                "p99 < 20 ms at 32 connections (every route)",
                f"header-signed {at_32.signed.p99_ms:.1f} ms, presigned "
                f"{at_32.presigned.p99_ms:.1f} ms, OPTIONS {at_32.options.p99_ms:.1f} ms",
                worst_p99 < MAX_P99_MS_AT_32,
            )
        )
    found += [
        Target(
            "start-up < 3 s (spawn to first answer, worst run)",
            f"{r.startup.worst_first_answer_s:.2f} s",
            r.startup.worst_first_answer_s < MAX_STARTUP_S,
        ),
        Target("zero wrong answers under load", f"{wrong} wrong", wrong == 0),
        Target(
            "no request waits on Cognito after the first",
            f"max wait {r.round_trips.max_wait_after_first_ms:.2f} ms "
            f"({r.round_trips.requests_that_waited} requests waited)",
            r.round_trips.requests_that_waited == 0,
        ),
    ]
    found += [
        Target(name, figure, met)
        for name, figure, met in route_targets(r.lambda_route, r.worst_case)
    ]
    found.append(
        Target(
            "attested flow: every first call and refresh answered as expected",
            f"{r.attested.wrong_answers} wrong of {3 * r.attested.rounds}",
            r.attested.wrong_answers == 0,
        )
    )
    worst = r.refusals.worst
    found.append(
        Target(
            f"every hostile attestation request refused in < {MAX_CPU_MS:.0f} ms CPU, as expected",
            f"worst {worst.worst_ms:.1f} ms ({worst.name}); {len(r.refusals.unexpected)} unexpected",
            r.refusals.met,
        )
    )
    return found


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def console(r: RunResults) -> str:
    out = [
        f"guest-api benchmarks ({r.elapsed_s:.0f} s, {r.machine.nproc} cores, {r.machine.cpu_model})"
    ]
    out.append("")
    base = next((s for s in r.signing if s.name.startswith("botocore SigV4Auth")), r.signing[0])
    out.append(f"{'signer':46} {'us/req':>8} {'vs botocore':>12} verified")
    for s in r.signing:
        out.append(
            f"{s.name:46} {s.median_us:8.1f} {s.median_us / base.median_us:11.2f}x "
            f"{'yes' if s.verified and s.control_refused else 'NO'}"
        )
    out.append("")
    for v in r.verifier:
        out.append(f"verify {v.form:40} {v.median_us:8.1f} us/req")
    rt = r.round_trips
    out += [
        "",
        f"client: {rt.calls} calls / {rt.simulated_hours:.1f} simulated h: GetId {rt.get_id}, "
        f"GetCredentialsForIdentity {rt.get_credentials}, max Cognito wait after first "
        f"{rt.max_wait_after_first_ms:.2f} ms ({rt.requests_that_waited} requests waited)",
        "",
        f"{'conns':>5} {'header r/s':>10} {'p99':>6} {'presign r/s':>11} {'p99':>6} "
        f"{'OPTIONS r/s':>11} {'p99':>6} {'bare r/s':>9} {'p99':>6} {'/OPTIONS':>11} {'/bare':>5}",
    ]
    for p in r.throughput.pairs:
        out.append(
            f"{p.connections:5d} {p.signed.rps:10.0f} {p.signed.p99_ms:6.2f} "
            f"{p.presigned.rps:11.0f} {p.presigned.p99_ms:6.2f} "
            f"{p.options.rps:11.0f} {p.options.p99_ms:6.2f} {p.bare.rps:9.0f} {p.bare.p99_ms:6.2f} "
            f"{p.ratio:5.2f} {p.presigned_ratio:5.2f} {p.bare_ratio:5.2f}"
        )
    out.append("")
    for point in r.rss:
        out.append(f"RSS {point.label:40} {point.rss_mib:7.1f} MiB ({point.requests_served} req)")
    out.append(
        f"start-up: outputs {r.startup.median_outputs_s:.2f} s, first answer "
        f"{r.startup.median_first_answer_s:.2f} s (median of {r.startup.runs})"
    )
    out.append("")
    out += attested_lines(r.attested)
    out += ["", *refusal_lines(r.refusals)]
    out.append("")
    for t in targets(r):
        out.append(f"[{'met ' if t.met else 'MISS'}] {t.name}: {t.figure}")
    return "\n".join(out)


def markdown(r: RunResults) -> str:
    m = r.machine
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/run.py`); do not edit by hand. Every figure and every",
        "ratio below comes from the same run.",
        "",
        f"Run: {m.when}, commit `{m.commit}`, {r.elapsed_s:.0f} s in all.",
        "",
        "## Machine",
        "",
        f"- `nproc`: {m.nproc}; CPU: {m.cpu_model}; {m.system}",
        f"- load average at the start of the run: {', '.join(f'{x:.2f}' for x in m.load_average)}"
        " (other work on the machine competes with both the server and the load generator)",
        f"- Python {m.python}; load generator: {m.wrk}",
        "- " + ", ".join(f"{k} {v}" for k, v in m.packages.items()),
        "",
        "## Targets",
        "",
    ]
    lines += _table(
        ["target", "this run", "met"],
        [[t.name, t.figure, "yes" if t.met else "**no**"] for t in targets(r)],
    )

    base = next((s for s in r.signing if s.name.startswith("botocore SigV4Auth")), r.signing[0])
    lines += [
        "",
        "## 1. Signing cost per request",
        "",
        "`GET /dev/demo` with session-token credentials, signed in the Authorization header;",
        "requests built before timing, 7 interleaved rounds of 2,000, median round shown.",
        "*Verified*: the offline stack's verifier (`guestapi.offline.sigv4`) accepts the output and",
        "refuses the same output checked against another secret.",
        "",
    ]
    lines += _table(
        ["signer", "library", "µs/request (median)", "best round", "ratio to botocore", "verified"],
        [
            [
                s.name,
                s.library,
                f"{s.median_us:.1f}",
                f"{s.best_us:.1f}",
                f"{s.median_us / base.median_us:.2f}",
                "yes" if s.verified and s.control_refused else "**no**",
            ]
            for s in r.signing
        ],
    )
    lines += [
        "",
        "The other side: `guestapi.offline.sigv4.verify` on the same `GET /dev/demo`, in-process,",
        "with a session token shaped like the stack's own (base64 of 300 random bytes); median of 5",
        "rounds of 2,000. The decoded query and botocore's canonical query string are memoised per",
        "URL, which helps a presigned URL sent again (as section 3 sends it) and nothing else.",
        "",
    ]
    lines += _table(
        ["request", "µs/verification (median)"],
        [[v.form, f"{v.median_us:.1f}"] for v in r.verifier],
    )

    rt = r.round_trips
    lines += [
        "",
        "## 2. Client round trips to Cognito",
        "",
        f"{rt.calls} signed `GET /demo` calls by `guestapi.client` (`GuestCredentialProvider` +",
        f"`signed_session`), spread evenly over {rt.simulated_hours:.1f} simulated hours; credentials",
        f"live {rt.credential_ttl_s} s and are refreshed {rt.refresh_margin_s:.0f} s before expiry.",
        "Cognito calls counted with botocore's `before-call`/`after-call` event hooks.",
        "",
    ]
    lines += _table(
        ["figure", "value"],
        [
            ["GetId calls", str(rt.get_id)],
            ["GetCredentialsForIdentity calls", str(rt.get_credentials)],
            ["Cognito time before the first request", f"{rt.start_up_cognito_ms:.2f} ms"],
            ["Cognito wait inside the first request", f"{rt.first_request_wait_ms:.2f} ms"],
            ["max Cognito wait of any later request", f"{rt.max_wait_after_first_ms:.2f} ms"],
            ["later requests that waited on Cognito", str(rt.requests_that_waited)],
            ["wrong answers (not 200 with this identity)", str(rt.wrong_answers)],
        ],
    )

    tp = r.throughput
    lines += [
        "",
        "## 3. Offline stack throughput and latency",
        "",
        "`scripts/local.py` in its own process, started with",
        "`--parameter-overrides ThrottlingRateLimit=1000000 ThrottlingBurstLimit=1000000` on a copy",
        "of template.yaml whose caps on those two parameters are lifted: the template's default (10",
        "req/s, burst 20) and its caps (10,000 req/s, burst 5,000, API Gateway's default account",
        "quota) would otherwise be what is measured. The token bucket is still run on every request.",
        f"wrk, one thread, keep-alive connections, {tp.duration_s:.0f} s per run on loopback. Signed",
        "`GET /demo` in two forms, each fully verified on every request: *header* (Authorization,",
        "X-Amz-Date, X-Amz-Security-Token, as the guest client sends it; signed just before its run",
        "and replayed, which SigV4 allows for 5 minutes) and *presigned* (everything in the query",
        "string; one URL sent again and again, so its decoded query and canonical query string come",
        "from the verifier's per-URL memo: section 1 shows what a new URL costs). Every request's",
        "signature is recomputed (HMAC) and compared. Open route: the `OPTIONS /demo` CORS",
        "preflight. The limit: *bare uvicorn*, an",
        "ASGI app in its own process that answers every request with the body of one `GET /demo`",
        "answer, on the same uvicorn settings and parser (`bench/bare_uvicorn.py`). Ratios are",
        "req/s over OPTIONS's or over bare uvicorn's at the same concurrency.",
        "",
    ]
    lines += _table(
        [
            "conns",
            "route",
            "req/s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "ratio to OPTIONS",
            "ratio to bare uvicorn",
            "non-2xx",
        ],
        [
            [
                str(p.connections),
                name,
                f"{run.rps:.0f}",
                f"{run.p50_ms:.2f}",
                f"{run.p99_ms:.2f}",
                f"{run.max_ms:.1f}",
                ratio,
                f"{p.to_bare(run):.2f}" if run is not p.bare else "",
                str(run.status_errors + run.socket_errors),
            ]
            for p in tp.pairs
            for name, run, ratio in (
                ("header-signed GET", p.signed, f"{p.ratio:.2f}"),
                ("presigned GET", p.presigned, f"{p.presigned_ratio:.2f}"),
                ("OPTIONS", p.options, ""),
                ("bare uvicorn (limit)", p.bare, ""),
            )
        ],
    )
    lines += [
        "",
        f"Control: the same presigned URL with one signature character changed got "
        f"{tp.control.status_errors} non-2xx answers out of {tp.control.requests} (all must be).",
    ]

    s = r.store
    lines += [
        "",
        "## 4. Memory",
        "",
        "RSS of the `scripts/local.py` process, read from `/proc/<pid>/status`, on the same server as",
        "section 3 (requests counted across all phases; the 10k `GetId` calls each mint an identity).",
        "",
    ]
    lines += _table(
        ["after", "requests answered", "RSS MiB"],
        [[p.label, f"{p.requests_served:,}", f"{p.rss_mib:.1f}"] for p in r.rss],
    )
    lines += [
        "",
        "Store bounds, in-process:",
        "",
        f"- `CredentialStore(max_entries={s.max_entries:,})` asked for {s.issued:,} credentials "
        f"holds {s.held_after_issue:,} and refused {s.refused_when_full:,} (no live credential "
        f"revoked); once all have expired, `purge_expired()` drops {s.purged_after_expiry:,} "
        f"and {s.held_after_purge:,} remain.",
        f"- One credential costs about {s.bytes_per_credential:,.0f} bytes (tracemalloc), so the "
        f"default bound of 100,000 allows about {s.mib_at_default_bound:.0f} MiB.",
        f"- `CognitoIdentityService(max_identities={s.max_identities:,})` after {s.get_ids:,} "
        f"`GetId`: {s.get_ids_refused:,} refused (TooManyRequestsException); the first identity "
        f"still served: {'yes' if s.first_identity_kept else '**no**'}.",
    ]

    st = r.startup
    lines += [
        "",
        "## Start-up",
        "",
        f"`scripts/local.py --port 0 --outputs-file F --quiet`, fresh interpreter, {st.runs} runs:",
        f"outputs written after {', '.join(f'{x:.2f}' for x in st.outputs_s)} s; first HTTP answer",
        f"after {', '.join(f'{x:.2f}' for x in st.first_answer_s)} s.",
        "",
        *route_lines(r.lambda_route, r.isolation, r.worst_case),
        "## Attested installs next to guests",
        "",
        "`bench/attested_flow.py`: template.yaml with `AttestationMode=monitor` and a throwaway",
        "test root, in-process. Each round is a new install: a guest's first call, an attested",
        "install's first call (phases timed; the App Attest evidence is made outside the clock, as",
        "the device's work), then that install's refresh by assertion. Rounds interleave.",
        "",
        "```",
        *attested_lines(r.attested),
        "```",
        "",
        *refusal_section(r.refusals),
        "## How to reproduce",
        "",
        "<!-- skip: installs a system package, then runs every benchmark (minutes) -->",
        "```sh",
        "apt-get install -y wrk   # Debian's wrk, the load generator",
        "make bench               # about 1.5 minutes; rewrites docs/benchmarks.md",
        "```",
        "",
        "It exits 1 when a target is missed (the report is still written).",
        "",
        "Run it on an otherwise idle machine: the server and wrk each need a core. Timings vary",
        "from run to run; compare ratios within one run, not figures across runs.",
        "",
    ]
    return "\n".join(lines)
