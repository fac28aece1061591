"""`scripts/local.py`: deploy template.yaml into the offline stack and serve it.

Writes the outputs JSON (stdout and --outputs-file) once the port is bound, then serves until
SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from guestapi.cli.arguments import add_template_argument, program_name
from guestapi.errors import GuestApiError
from guestapi.offline import attestation_root, launch
from guestapi.offline.apigateway import access_log
from guestapi.offline.cognito import scope_down
from guestapi.offline.cognito.service import DEFAULT_MAX_IDENTITIES
from guestapi.offline.credentials import DEFAULT_MAX_CREDENTIALS
from guestapi.offline.stack_outputs import local_outputs
from guestapi.outputs import write_outputs_file

MAX_PORT = 65535


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise GuestApiError(f"--parameter-overrides expects KEY=VALUE, got {pair!r}")
        overrides[key] = value
    return overrides


def port_number(option: str, port: int) -> int:
    """`port` if a TCP port can have it; socket.bind would raise OverflowError, not OSError."""
    if not 0 <= port <= MAX_PORT:
        raise GuestApiError(f"{option} must be 0-{MAX_PORT} (0 picks a free port), got {port}")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name("local.py"),
        description="Serve template.yaml as an offline Cognito Identity + API Gateway twin.",
    )
    add_template_argument(parser)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566, help="0 picks a free port")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--account-id", default="123456789012")
    parser.add_argument(
        "--parameter-overrides",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, as for sam deploy",
    )
    parser.add_argument(
        "--attestation-test-root",
        nargs="?",
        const=attestation_root.DEFAULT_DIRECTORY,
        default=None,
        type=Path,
        metavar="DIR",
        help=(
            "trust a TEST root CA for App Attest and test Play Integrity keys, made once in DIR "
            f"(default {attestation_root.DEFAULT_DIRECTORY}); never the case without this flag"
        ),
    )
    parser.add_argument(
        "--credential-ttl",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="lifetime of issued guest credentials (AWS: 3600); lower it to watch expiry",
    )
    parser.add_argument(
        "--presigned-expires",
        choices=("fixed-window", "x-amz-expires"),
        default="fixed-window",
        help="how long a presigned URL lives: the fixed 5-minute window other services are "
        "reported to keep (default), or its X-Amz-Expires, as S3 does; unsettled for "
        "execute-api, so a real stack's check settles it",
    )
    parser.add_argument(
        "--unknown-key-error",
        choices=("UnrecognizedClientException", "AccessDeniedException"),
        default="UnrecognizedClientException",
        help="x-amzn-ErrorType for an unknown access key: a public capture shows the first "
        "(default), AWS's 403 troubleshooting page lists the second",
    )
    parser.add_argument(
        "--guest-session-policy",
        choices=tuple(scope_down.CHOICES),
        default="none",
        help="scope enhanced-flow guest credentials down with Cognito's managed session policy "
        "as AWS publishes it ('documented': it lists no execute-api, so guest API calls are "
        "refused) or not at all ('none', the default: unsettled until a real stack answers)",
    )
    parser.add_argument(
        "--max-credentials",
        type=int,
        default=DEFAULT_MAX_CREDENTIALS,
        metavar="N",
        help="live credentials held at most; more are refused (TooManyRequestsException)",
    )
    parser.add_argument(
        "--max-identities",
        type=int,
        default=DEFAULT_MAX_IDENTITIES,
        metavar="N",
        help="identities held at most; more GetId calls are refused",
    )
    parser.add_argument("--outputs-file", type=Path, help="also write the outputs JSON here")
    parser.add_argument(
        "--web-port",
        type=int,
        default=None,
        help="also serve the browser example (web/) on this port, a different origin",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-request log lines")
    parser.add_argument(
        "--access-log",
        type=Path,
        metavar="PATH",
        help="also append each access-log line (EnableAccessLogs=true) to PATH, as its log "
        "group would hold it; report.py reads it (output AccessLogFile)",
    )
    return parser


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _announce(http: uvicorn.Server, ready: str) -> None:
    """Print `ready` when the server is up; a SIGTERM before that could interrupt its start-up."""
    while not http.started and not http.should_exit:
        time.sleep(0.02)
    if http.started:
        print(ready, file=sys.stderr, flush=True)


def serve_until_stopped(http: uvicorn.Server, sock: socket.socket, ready: str = "") -> None:
    """Serve until SIGINT or SIGTERM, then return normally; `ready` goes to stderr once uvicorn
    has started (its signal handlers in place), so whoever acts on it may stop us at once.

    uvicorn shuts down cleanly on either signal and then re-delivers it to the handler that
    was installed before it started; ours turns both into the same quiet stop.
    """
    signal.signal(signal.SIGTERM, _stop)
    if ready:
        threading.Thread(target=_announce, args=(http, ready), daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):
        http.run(sockets=[sock])


def ready_message(outputs: dict[str, str], args: argparse.Namespace) -> str:
    """Where the stack listens, where its outputs went and how to stop it (stderr, so stdout
    stays the outputs JSON that scripts read)."""
    lines = [
        f"listening on {outputs['CognitoIdentityEndpoint'].rstrip('/')}: Cognito Identity and STS "
        f"at /, the API at {outputs['ApiUrl']}",
    ]
    if args.outputs_file:
        lines.append(f"outputs written to {args.outputs_file}")
    logs = "" if args.quiet else "; request log lines follow (--quiet hides them)"
    lines.append(f"press Ctrl-C to stop{logs}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        # Every argument is checked before the stack is built: a typo costs no start-up.
        port_number("--port", args.port)
        if args.web_port is not None:
            port_number("--web-port", args.web_port)
        if args.credential_ttl <= 0:
            raise GuestApiError("--credential-ttl must be a positive number of seconds")
        if args.max_credentials < 1 or args.max_identities < 1:
            raise GuestApiError("--max-credentials and --max-identities must be at least 1")
        overrides = parse_overrides(args.parameter_overrides)
        test_root = None
        if args.attestation_test_root is not None:
            test_root = attestation_root.prepare(args.attestation_test_root, overrides)
            overrides = test_root.overrides
        offline = launch.build(
            args.template,
            overrides=overrides,
            region=args.region,
            account_id=args.account_id,
            credential_ttl=args.credential_ttl,
            honour_presigned_expires=args.presigned_expires == "x-amz-expires",
            unknown_key_error_type=args.unknown_key_error,
            max_credentials=args.max_credentials,
            max_identities=args.max_identities,
            guest_session_policy=args.guest_session_policy,
        )
        try:
            sock = launch.bind(args.host, args.port)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise GuestApiError(
                    f"port {args.port} is in use: pass --port N (or make local PORT=N)"
                ) from None
            raise GuestApiError(
                f"cannot listen on {args.host}:{args.port}: {exc.strerror}"
            ) from None
        outputs = local_outputs(offline.stack, launch.base_url_for(sock))
        if test_root is not None:
            if not attestation_root.apply(offline, test_root):
                print(
                    f"{parser.prog}: --attestation-test-root: this template has no attestation "
                    "function (AttestationMode off?); nothing trusts the test root",
                    file=sys.stderr,
                )
            outputs["AttestationTestRoot"] = str(test_root.directory.resolve())
        offline.attach(launch.base_url_for(sock))
        if args.access_log is not None:
            access_log.write_to(args.access_log)
            if args.quiet:
                logging.getLogger(access_log.log.name).propagate = False
            outputs["AccessLogFile"] = str(args.access_log.resolve())
        if args.outputs_file:
            write_outputs_file(outputs, args.outputs_file)
        with contextlib.ExitStack() as extras:
            extras.callback(offline.close)  # function sandboxes end with the server
            if args.web_port is not None:
                # The page is served from another port, hence another origin: CORS is real.
                from guestapi.webpage import serve_web

                page = extras.enter_context(serve_web(outputs, host=args.host, port=args.web_port))
                print(f"browser example: {page}", file=sys.stderr, flush=True)
            print(json.dumps(outputs, indent=2, sort_keys=True), flush=True)
            http = launch.make_server(offline.app(), offline.stop_functions)
            serve_until_stopped(http, sock, ready_message(outputs, args))
    except GuestApiError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    return 0
