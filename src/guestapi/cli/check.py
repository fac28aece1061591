"""`scripts/check.py`: run the post-deploy check suite (events/*.json) against a stack.

Targets: `--outputs-file PATH` (written by deploy.py or local.py), `--stack-name NAME
[--region R]` (DescribeStacks), or `--config-env ENV` (stack name and region from
samconfig.toml). Exit 0 when every scenario passes, 1 when some fail, 2 when the target or the
configuration is unusable (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from guestapi.assets import events_dir
from guestapi.checks import (
    CheckRunner,
    Target,
    load_scenario_dirs,
    render_table,
    write_json,
    write_junit,
)
from guestapi.checks.attestation_rows import attestation_rows
from guestapi.checks.generated import generated_scenarios, superseded
from guestapi.checks.modes import (
    attestation_mode,
    shipped_scenarios,
    signed_as_the_mode_allows,
    unproven,
)
from guestapi.checks.proven import proven_lines
from guestapi.checks.report import use_colour
from guestapi.checks.runner import DEFAULT_ORIGIN, DEFAULT_THROTTLE_RETRIES, CheckResult
from guestapi.checks.simulation import probe_stack, with_throttle_limits
from guestapi.cli.arguments import add_attest_argument, add_suite_arguments, program_name
from guestapi.client.attested import Attester
from guestapi.client.attesters import attester_from_spec
from guestapi.errors import GuestApiError
from guestapi.outputs import fetch_stack_outputs, load_outputs_file
from guestapi.samconfig import DEFAULT_FILE_NAME, stack_settings

# The scenarios shipped with the package (the repository's events/ when editable).
DEFAULT_EVENTS = events_dir()
ATTESTATION_EVENTS = (DEFAULT_EVENTS / "attested", DEFAULT_EVENTS / "enforce")


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """The three ways to name a stack, shared by check.py and call.py."""
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--outputs-file", type=Path, metavar="PATH", help="outputs JSON file")
    group.add_argument("--stack-name", metavar="NAME", help="read outputs with DescribeStacks")
    group.add_argument(
        "--config-env", metavar="ENV", help="stack name and region from samconfig.toml"
    )
    parser.add_argument(
        "--region",
        help="AWS region of the stack for --stack-name / --config-env (default: samconfig, "
        "then AWS config); with --outputs-file the file's Region is used and a different "
        "--region is refused",
    )
    parser.add_argument(
        "--samconfig",
        type=Path,
        default=Path(DEFAULT_FILE_NAME),
        metavar="PATH",
        help="samconfig.toml for --config-env (default: ./samconfig.toml)",
    )
    parser.add_argument(
        "--cognito-endpoint",
        metavar="URL",
        help="Cognito Identity endpoint (default: the CognitoIdentityEndpoint output, else AWS)",
    )


class RegionMismatchError(GuestApiError):
    """--region names another region than the outputs file's stack."""


def resolve_outputs(
    args: argparse.Namespace, *, cloudformation_client: Any = None
) -> tuple[dict[str, str], dict[str, str]]:
    """(outputs, template parameter overrides known for this target)."""
    if args.outputs_file is not None:
        outputs = load_outputs_file(args.outputs_file)
        if args.region and args.region != outputs["Region"]:
            # The outputs name one stack, in one region (its ApiUrl and IdentityPoolId are
            # regional): signing for another region could only make every check fail.
            raise RegionMismatchError(
                f"--region {args.region} contradicts Region {outputs['Region']} in "
                f"{args.outputs_file}; drop --region, or pass the outputs of the stack in "
                f"{args.region}"
            )
        return outputs, {}
    if args.stack_name:
        return fetch_stack_outputs(args.stack_name, args.region, client=cloudformation_client), {}
    settings = stack_settings(args.samconfig, args.config_env)
    outputs = fetch_stack_outputs(
        settings.stack_name, args.region or settings.region, client=cloudformation_client
    )
    return outputs, dict(settings.parameter_overrides)


def pick_origin(
    explicit: str | None, outputs: Mapping[str, str], overrides: Mapping[str, str]
) -> str:
    """The Origin the suite sends: the one the stack allows when it names one, so that the
    CORS checks test the deployed setting rather than fail on a different origin."""
    if explicit:
        return explicit
    for value in (outputs.get("AllowedOrigin"), overrides.get("AllowedOrigin")):
        if value and value != "*":
            return value
    return DEFAULT_ORIGIN


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name("check.py"),
        description="Prove a guest-api stack lets guests in by signing and nobody else.",
    )
    add_target_arguments(parser)
    add_suite_arguments(
        parser,
        events_help="scenario directory; repeat to add your own to the shipped ones "
        "(default: the scenarios shipped with the package)",
    )
    parser.add_argument(
        "--origin",
        help=f"Origin header for the CORS checks (default: AllowedOrigin or {DEFAULT_ORIGIN})",
    )
    parser.add_argument(
        "--cache-path",
        type=Path,
        metavar="PATH",
        help="identity cache file (default: memory only, one new guest identity per run)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP request")
    parser.add_argument(
        "--throttle-retries",
        type=int,
        default=DEFAULT_THROTTLE_RETRIES,
        metavar="N",
        help="send a throttled (429) request again up to N times, after 1, 2, 4... s, as AWS "
        f"SDKs do (default {DEFAULT_THROTTLE_RETRIES}; 0 reports the 429 at once)",
    )
    add_attest_argument(parser)
    return parser


def run_suite(
    outputs: Mapping[str, str],
    events: Path | Sequence[Path] | None,
    *,
    origin: str = DEFAULT_ORIGIN,
    cognito_endpoint: str | None = None,
    cache_path: Path | None = None,
    timeout: float = 10.0,
    json_path: Path | None = None,
    junit_path: Path | None = None,
    apigateway_client: Any = None,
    iam_client: Any = None,
    attester: Attester | None = None,
    throttle_retries: int = DEFAULT_THROTTLE_RETRIES,
) -> int:
    """Run every scenario against `outputs`, then the IAM probes (guestapi.checks.simulation),
    print the table, write the reports; 0 or 1.

    `events` None: the shipped scenarios that apply to the stack's AttestationMode
    (guestapi.checks.modes). Raises GuestApiError (bad scenarios, unusable target) and OSError
    (report not writable).
    """
    if events is None:
        plan = shipped_scenarios(DEFAULT_EVENTS, outputs, attested=attester is not None)
        events = plan.directories
        for note in plan.notes:
            print(note, flush=True)
    scenarios = load_scenario_dirs([events] if isinstance(events, Path) else events)
    probing = probe_stack(outputs, apigateway=apigateway_client, iam=iam_client)
    scenarios, notes = superseded(scenarios, probing.methods, probing.allowed)
    for note in notes:
        print(note, flush=True)
    target = Target.from_outputs(outputs, cognito_endpoint=cognito_endpoint)
    runner = CheckRunner(
        target,
        origin=origin,
        cache_path=cache_path,
        timeout=timeout,
        attester=attester,
        throttle_retries=throttle_retries,
    )
    print(f"checking {target.api_url} ({len(scenarios)} scenarios)", flush=True)
    results = runner.run(scenarios)
    if probing.skipped:
        print(f"IAM probes and generated rows skipped: {probing.skipped}", flush=True)
    generated = signed_as_the_mode_allows(
        generated_scenarios(probing.methods, probing.allowed),
        outputs,
        attested=attester is not None,
    )
    results += runner.run(generated) + probing.results
    if attester is not None and attestation_mode(outputs) != "off":
        results += attestation_rows(target.api_url, attester)
    results = with_throttle_limits(results, outputs, apigateway_client)
    not_proven = unproven(outputs, attested=attester is not None)
    proven = proven_lines(scenarios, results) + _probe_claims(probing.results) + not_proven
    print(render_table(results, colour=use_colour(sys.stdout), proven=proven), flush=True)
    if json_path:
        write_json(results, target, json_path, proven=proven)
    if junit_path:
        write_junit(results, target, junit_path)
    # Every row may pass and the run still fail: what it could not check is not proven.
    return 0 if all(r.passed for r in results) and not not_proven else 1


def _probe_claims(probes: Sequence[CheckResult]) -> list[str]:
    claims = []
    for role, prefix in (("guest role", "iam-"), ("attested role", "iam-attested-")):
        rows = [
            p
            for p in probes
            if p.scenario.startswith(prefix)
            and (prefix != "iam-" or not p.scenario.startswith("iam-attested-"))
        ]
        if not rows or not all(p.passed for p in rows):
            continue
        allowed = sum(1 for p in rows if p.expected == "allowed")
        claims.append(
            f"proven: IAM simulation allows the {role} its {allowed} signed method(s) and "
            f"denies all {len(rows) - allowed} out-of-scope probes (other stage, method, path, "
            "API, services)"
        )
    return claims


def main(
    argv: Sequence[str] | None = None,
    *,
    cloudformation_client: Any = None,
    apigateway_client: Any = None,
    iam_client: Any = None,
) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.throttle_retries < 0:
            raise GuestApiError("--throttle-retries must be 0 or more")
        events = args.events
        # A bad scenario file is reported before any network call.
        load_scenario_dirs(events or [DEFAULT_EVENTS, *ATTESTATION_EVENTS])
        outputs, overrides = resolve_outputs(args, cloudformation_client=cloudformation_client)
        attester = attester_from_spec(args.attest, outputs) if args.attest else None
        return run_suite(
            outputs,
            events,
            attester=attester,
            origin=pick_origin(args.origin, outputs, overrides),
            cognito_endpoint=args.cognito_endpoint,
            cache_path=args.cache_path,
            timeout=args.timeout,
            json_path=args.json,
            junit_path=args.junit,
            apigateway_client=apigateway_client,
            iam_client=iam_client,
            throttle_retries=args.throttle_retries,
        )
    except GuestApiError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # --json/--junit path not writable
        print(f"{parser.prog}: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
