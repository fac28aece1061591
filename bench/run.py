"""`make bench`: every benchmark of the project in one bounded run.

Prints a table, writes docs/benchmarks.md and exits 1 when a target is missed (2 when wrk is not
installed). Order matters for memory: one offline-stack process serves the throughput runs and
the memory phases, so its RSS is read after 1k, after 100k requests and after 10k GetId calls.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import attestation_refusals
import attested_flow
import client_round_trips
import guest_target
import lambda_isolation
import lambda_route
import memory_use
import sections
import signing_cost
import stack_throughput
import startup_time
import verify_cost
import worst_case
import wrk_runner
from bare_uvicorn import BareStartError, start_bare
from machine import describe
from offline_process import (
    ROOT,
    UNTHROTTLED,
    OfflineStartError,
    start_offline,
    unthrottled_template,
)
from report import RunResults, console, markdown, targets

REPORT = ROOT / "docs" / "benchmarks.md"


def run(*, quick: bool) -> RunResults:
    started = time.monotonic()
    wrk_runner.wrk_version()  # fail early, with the install hint, before any work
    machine = describe(ROOT)

    print("1/8 signing and verification cost", file=sys.stderr, flush=True)
    signing = signing_cost.measure(per_round=500 if quick else 2000)
    verifier = verify_cost.measure(per_round=500 if quick else 2000)

    print("2/8 client round trips", file=sys.stderr, flush=True)
    round_trips = client_round_trips.measure(calls=200 if quick else 1000)

    print("3/8 start-up", file=sys.stderr, flush=True)
    startup = startup_time.measure(runs=2 if quick else 3)

    print("4/8 throughput (and memory, same server)", file=sys.stderr, flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="guestapi-bench-") as tmp,
        start_offline(UNTHROTTLED, template=unthrottled_template(Path(tmp))) as server,
    ):
        target = guest_target.prepare(server.outputs)
        tracker = memory_use.RssTracker(server, served=3)  # prepare() sent 3 API calls
        tracker.record("start-up (idle)")
        memory_use.signed_requests(tracker, target, 1_000)
        tracker.record("1k requests")
        with start_bare(target.demo_body) as bare_url:
            throughput = stack_throughput.measure(target, bare_url, duration_s=2 if quick else 4)
        tracker.served += throughput.requests
        tracker.record("throughput runs")
        goal = 10_000 if quick else 100_000
        if tracker.served < goal:  # the throughput runs alone usually pass 100k
            memory_use.signed_requests(tracker, target, goal)
            tracker.record(f"{goal // 1000}k requests")
        memory_use.get_id_calls(tracker, target, 1_000 if quick else 10_000)
        tracker.record("+ 1k GetId" if quick else "+ 10k GetId")
        worst = worst_case.measure(target, duration_s=2 if quick else 4)

    print("5/8 store bounds", file=sys.stderr, flush=True)
    store = memory_use.store_bounds()

    print("6/8 Lambda route and isolation", file=sys.stderr, flush=True)
    lam = lambda_route.measure(duration_s=2 if quick else 4)
    isolation = lambda_isolation.measure(calls=500 if quick else 2000, cold_runs=3 if quick else 10)

    print("7/8 attested installs next to guests", file=sys.stderr, flush=True)
    attested = attested_flow.measure(rounds=10 if quick else 50)

    print("8/8 attestation refusals under attack", file=sys.stderr, flush=True)
    refusals = attestation_refusals.measure(rounds=5 if quick else 20)
    return RunResults(
        machine=machine,
        signing=signing,
        verifier=verifier,
        round_trips=round_trips,
        startup=startup,
        throughput=throughput,
        rss=tracker.points,
        load_wrong_answers=tracker.wrong_answers,
        store=store,
        elapsed_s=time.monotonic() - started,
        lambda_route=lam,
        isolation=isolation,
        worst_case=worst,
        attested=attested,
        refusals=refusals,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Run every benchmark (signing, client round trips, start-up, throughput "
        "against a bare uvicorn app, memory) in one bounded run, print the figures and write "
        "them to a Markdown report. Exits 1 when a target is missed, 2 when wrk is missing.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="short smoke run (smaller counts); writes nothing"
    )
    args = parser.parse_args(argv)
    try:
        results = run(quick=args.quick)
    except wrk_runner.WrkMissing as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    except (OfflineStartError, guest_target.TargetError) as exc:
        print(f"bench: the offline stack failed: {exc}", file=sys.stderr)
        return 1
    except BareStartError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    print(console(results))
    if not args.quick:
        report = markdown(results)
        previous = REPORT.read_text(encoding="utf-8")
        for title in sections.KEPT:  # figures this run does not measure
            kept = sections.section(previous, title)
            if kept is not None:
                report = sections.splice(report, title, kept)
        REPORT.write_text(report)
        print(f"\nwrote {REPORT.relative_to(ROOT)}")
    missed = [t.name for t in targets(results) if not t.met]
    if missed:
        print(f"bench: {len(missed)} target(s) missed: {'; '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
