"""Which HTTP parser the offline stack runs on, measured: not part of `make bench` (about 80 s).

uvicorn's httptools parser refuses methods it does not know (`FETCH`) before the app sees them;
its h11 parser takes any method. The stack runs httptools and hands only such connections to
h11 (`guestapi.offline.protocol.AnyMethodProtocol`). This runs the same stack three times, each in
its own process (as `scripts/local.py` builds it, throttle caps lifted as in `make bench`), on
`AnyMethodProtocol`, on stock httptools and on h11, and drives each with wrk in turn:
header-signed GET /demo and the OPTIONS preflight at 1, 8 and 32 connections.

    .venv/bin/python bench/parser_choice.py [--duration 4]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import guest_target
import wrk_runner
from offline_process import UNTHROTTLED, OfflineStartError, unthrottled_template
from processes import stop

SCRIPT = Path(__file__).resolve()
PROTOCOLS = ("AnyMethodProtocol", "httptools", "h11")


def serve(protocol: str, template: Path, outputs_file: Path) -> None:
    """The stack as scripts/local.py builds it, served by uvicorn on `protocol`."""
    from guestapi.offline import launch

    offline = launch.build(template, overrides=UNTHROTTLED)
    sock = launch.bind("127.0.0.1", 0)
    outputs = launch.local_outputs(offline.stack, launch.base_url_for(sock))
    offline.attach(launch.base_url_for(sock))
    server = launch.make_server(offline.app())
    if protocol != "AnyMethodProtocol":
        server.config.http = protocol  # stock uvicorn protocol, every other setting the same
    partial = outputs_file.with_suffix(".tmp")
    partial.write_text(json.dumps(outputs))
    partial.rename(outputs_file)
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])


@contextmanager
def _served(protocol: str, template: Path, directory: Path) -> Iterator[dict[str, str]]:
    outputs_file = directory / f"outputs-{protocol}.json"
    command = [sys.executable, str(SCRIPT), "--serve", protocol]
    command += ["--template", str(template), "--outputs-file", str(outputs_file)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not outputs_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise OfflineStartError(f"the stack on {protocol} did not start")
            time.sleep(0.01)
        yield json.loads(outputs_file.read_text())
    finally:
        stop(process)


def compare(duration_s: float) -> list[tuple[int, str, float, float, float]]:
    """(connections, protocol, header-signed req/s, OPTIONS req/s, header-signed p99 ms)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="guestapi-parsers-") as tmp, ExitStack() as stack:
        template = unthrottled_template(Path(tmp))
        targets = {}
        for protocol in PROTOCOLS:
            outputs = stack.enter_context(_served(protocol, template, Path(tmp)))
            targets[protocol] = guest_target.prepare(outputs)
        for connections in (1, 8, 32):
            for protocol in PROTOCOLS:  # turns, so drift on the machine hits them alike
                target = targets[protocol]
                signed = wrk_runner.run(
                    target.demo_url,
                    connections=connections,
                    duration_s=duration_s,
                    headers=target.header_signed_demo(),
                )
                options = wrk_runner.run(
                    target.demo_url,
                    connections=connections,
                    duration_s=duration_s,
                    method="OPTIONS",
                    headers=guest_target.PREFLIGHT_HEADERS,
                )
                if signed.status_errors or options.status_errors:
                    raise OfflineStartError(f"{protocol}: wrong answers under load")
                rows.append((connections, protocol, signed.rps, options.rps, signed.p99_ms))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/parser_choice.py",
        description="Throughput of the offline stack on each uvicorn HTTP protocol it could use.",
    )
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per wrk run")
    parser.add_argument("--serve", choices=PROTOCOLS, help=argparse.SUPPRESS)
    parser.add_argument("--template", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--outputs-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.template, args.outputs_file)
        return 0
    try:
        wrk_runner.wrk_version()
        rows = compare(args.duration)
    except wrk_runner.WrkMissing as exc:
        print(f"parser_choice: {exc}", file=sys.stderr)
        return 2
    except (OfflineStartError, guest_target.TargetError) as exc:
        print(f"parser_choice: {exc}", file=sys.stderr)
        return 1
    print(f"{'conns':>5} {'protocol':18} {'header r/s':>10} {'OPTIONS r/s':>11} {'p99 ms':>7}")
    for connections, protocol, signed_rps, options_rps, p99 in rows:
        print(f"{connections:5d} {protocol:18} {signed_rps:10.0f} {options_rps:11.0f} {p99:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
