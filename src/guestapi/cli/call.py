"""`scripts/call.py`: one SigV4-signed guest call to the API, like curl.

    python scripts/call.py --outputs-file .guestapi/outputs-local.json GET /demo

Prints the status line, the response headers and the body. Exit 0 for a status below 400,
1 for an HTTP error status, 2 when no call could be made (bad target, Cognito refused guest
credentials, API unreachable), 141 (silently) when stdout's reader went away (`| head -1`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import requests

from guestapi.aws_constants import SECURITY_TOKEN_HEADER
from guestapi.checks.modes import ATTEST_HINT, attestation_mode
from guestapi.checks.target import Target
from guestapi.cli.arguments import add_attest_argument, program_name
from guestapi.cli.check import add_target_arguments, resolve_outputs
from guestapi.client import GuestCredentialProvider, signed_session
from guestapi.client.attested import AttestedCredentialProvider
from guestapi.client.attesters import attester_from_spec
from guestapi.client.cognito_calls import GuestCredentialsError
from guestapi.errors import GuestApiError

DEFAULT_CACHE = Path(".guestapi") / "identities.json"
# Never printed, even with --verbose: they are the credentials.
SECRET_HEADERS = frozenset({"authorization", SECURITY_TOKEN_HEADER.lower()})
# What a shell reports for a program killed by SIGPIPE (128 + 13); 1 already means an HTTP error.
BROKEN_PIPE_EXIT = 141


class CallError(GuestApiError):
    """The call could not be made (bad header syntax, API unreachable)."""


def redacted(headers: Mapping[str, str | bytes]) -> dict[str, str]:
    """The headers to print: secrets replaced; a value requests holds as bytes, as sent."""
    return {
        k: "<redacted>" if k.lower() in SECRET_HEADERS else _text(v) for k, v in headers.items()
    }


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def parse_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise CallError(f"-H expects 'Name: value', got {text!r}")
    return name.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name("call.py"),
        description="Make one signed guest call to the API and print the answer.",
    )
    add_target_arguments(parser)
    parser.add_argument("method", type=str.upper, help="HTTP method, e.g. GET")
    parser.add_argument("path", help="path relative to ApiUrl, e.g. /demo")
    parser.add_argument("--data", "-d", help="request body")
    parser.add_argument(
        "-H", "--header", action="append", default=[], metavar="'Name: value'", help="extra header"
    )
    parser.add_argument(
        "--cache-path",
        type=Path,
        default=DEFAULT_CACHE,
        metavar="PATH",
        help=f"where this install keeps its guest identity id (default: {DEFAULT_CACHE})",
    )
    parser.add_argument(
        "--flow", choices=("enhanced", "basic"), default="enhanced", help="Cognito flow"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also print the request (credentials redacted)"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds")
    add_attest_argument(parser)
    return parser


def _print_body(response: requests.Response, out: Any) -> None:
    try:
        print(json.dumps(response.json(), indent=2), file=out)
    except ValueError:
        print(response.text, file=out)


def make_call(
    args: argparse.Namespace, *, cloudformation_client: Any = None
) -> tuple[requests.Response, GuestCredentialProvider]:
    """Sign and send the request `args` describe; raises GuestApiError when it cannot."""
    headers = dict(parse_header(h) for h in args.header)
    if not args.path.startswith("/"):
        raise CallError(f"PATH must start with '/' (it is relative to ApiUrl), got {args.path!r}")
    outputs, _ = resolve_outputs(args, cloudformation_client=cloudformation_client)
    target = Target.from_outputs(outputs, cognito_endpoint=args.cognito_endpoint)
    if args.flow == "basic" and not target.guest_role_arn:
        raise CallError("--flow basic needs the GuestRoleArn output")
    provider: GuestCredentialProvider
    if args.attest:
        provider = AttestedCredentialProvider(
            target.identity_pool_id,
            target.region,
            target.api_url,
            attester_from_spec(args.attest, outputs),
            endpoint_url=target.cognito_endpoint,
        )
    else:
        provider = GuestCredentialProvider(
            target.identity_pool_id,
            target.region,
            endpoint_url=target.cognito_endpoint,
            cache_path=args.cache_path,
            flow=args.flow,
            role_arn=target.guest_role_arn,
        )
    url = target.url(args.path)
    try:
        # The first credentials are fetched here, before the request is signed.
        session = signed_session(provider, target.region)
        response = session.request(
            args.method,
            url,
            headers=headers,
            data=args.data.encode() if args.data is not None else None,
            timeout=args.timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise CallError(f"cannot reach {url} ({type(exc).__name__}): is the stack up?") from None
    except GuestCredentialsError as exc:
        if args.attest or attestation_mode(outputs) != "enforce":
            raise
        # Cognito's own hint would be to let guests back in; on this stack the way in is to
        # call as an attested install.
        raise CallError(
            f"{exc.operation} failed: {exc.code}: {exc.service_message} (the stack's "
            f"AttestationMode is enforce, so only attested installs get credentials: "
            f"{ATTEST_HINT})"
        ) from None
    return response, provider


def print_answer(
    response: requests.Response, provider: GuestCredentialProvider, *, verbose: bool, out: Any
) -> None:
    """The status line, the headers and the body (with --verbose, the request first)."""
    if verbose:
        sent = response.history[0].request if response.history else response.request
        print(f"> {sent.method} {sent.url}", file=out)
        for name, value in redacted(response.request.headers).items():
            print(f"> {name}: {value}", file=out)
        kind = "attested" if isinstance(provider, AttestedCredentialProvider) else "guest"
        print(f"> ({kind} identity {provider.identity_id()})", file=out)
        if response.history:
            print("> (retried once after correcting the clock skew from the Date header)", file=out)
        print(file=out)
    print(f"HTTP {response.status_code} {response.reason or ''}".rstrip(), file=out)
    for name, value in redacted(response.headers).items():
        print(f"{name}: {value}", file=out)
    print(file=out)
    _print_body(response, out)


def main(argv: Sequence[str] | None = None, *, cloudformation_client: Any = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        response, provider = make_call(args, cloudformation_client=cloudformation_client)
    except GuestApiError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
    try:
        print_answer(response, provider, verbose=args.verbose, out=sys.stdout)
        # Flushed here, inside the try: a pipe closed by its reader (`| head -1`) fails on the
        # flush, which would otherwise happen at exit as an "Exception ignored" traceback.
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader has what it wanted; say nothing, as `cat` does. Python's recipe: point
        # stdout at devnull so the interpreter's own flush at exit does not fail again.
        # https://docs.python.org/3/library/signal.html#note-on-sigpipe
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE_EXIT
    return 0 if response.status_code < 400 else 1
