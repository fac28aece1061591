"""`scripts/export.py`: the stack as other clients see it.

    export.py postman --outputs-file .guestapi/outputs-local.json     # Postman collection + env
    export.py sdk --type javascript --config-env default              # API Gateway GetSdk
    export.py openapi --config-env default                            # API Gateway GetExport
    export.py openapi --outputs-file .guestapi/outputs-local.json --template template.yaml

Exit 0 when the files are written, 2 with one line on stderr when they cannot be.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import botocore.session

from guestapi.assets import template_path
from guestapi.cli.arguments import program_name
from guestapi.cli.check import add_target_arguments, resolve_outputs
from guestapi.errors import GuestApiError
from guestapi.export.apigateway_exports import (
    SDK_TYPES,
    DeployedStage,
    ExportError,
    download_sdk,
    export_openapi,
)
from guestapi.export.postman import build_collection, build_environment


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name("export.py"),
        description="Export the stack for Postman, generated SDKs or OpenAPI.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    postman = commands.add_parser("postman", help="a Postman v2.1 collection and environment")
    add_target_arguments(postman)
    postman.add_argument("--out-dir", type=Path, default=Path("postman"), metavar="DIR")
    postman.add_argument("--name", default="guest-api", help="collection and environment name")
    sdk = commands.add_parser("sdk", help="API Gateway's generated client SDK (GetSdk)")
    add_target_arguments(sdk)
    sdk.add_argument("--type", required=True, choices=SDK_TYPES, dest="sdk_type")
    sdk.add_argument(
        "--param",
        type=_key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="GetSdk parameter (e.g. classPrefix=APP); defaults are filled in per type",
    )
    sdk.add_argument(
        "--out-dir",
        type=Path,
        default=Path("sdk"),
        metavar="DIR",
        help="the SDK is unzipped into DIR/TYPE (default: sdk)",
    )
    openapi = commands.add_parser("openapi", help="the API as OpenAPI 3.0 (GetExport)")
    add_target_arguments(openapi)
    openapi.add_argument(
        "--template",
        type=Path,
        metavar="PATH",
        help="offline: build the export from this template's offline stack",
    )
    openapi.add_argument("--out", type=Path, default=Path("openapi.json"), metavar="PATH")
    return parser


def _apigateway_client(region: str) -> Any:
    return botocore.session.Session().create_client("apigateway", region_name=region)


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def export_postman(outputs: Mapping[str, str], out_dir: Path, name: str) -> None:
    _write_json(out_dir / f"{name}.postman_collection.json", build_collection(outputs, name))
    _write_json(out_dir / f"{name}.postman_environment.json", build_environment(outputs, name))


def offline_openapi(outputs: Mapping[str, str], template: Path) -> dict[str, Any]:
    """The export the offline stack's model gives for `template`, at the outputs' stage."""
    # Imported here: only the offline export needs the offline stack.
    from guestapi.offline import launch
    from guestapi.offline.apigateway.export import openapi_export

    offline = launch.build(template, region=outputs["Region"], warn=lambda _line: None)
    try:
        apis = list(offline.stack.rest_apis.values())
        if len(apis) != 1:
            raise ExportError(f"{template} deploys {len(apis)} REST APIs; expected exactly one")
        stage = outputs["ApiUrl"].rstrip("/").rsplit("/", 1)[-1]
        try:
            return openapi_export(apis[0], stage, outputs["ApiUrl"])
        except KeyError as exc:
            raise ExportError(str(exc.args[0])) from None
    finally:
        offline.close()


def run(args: argparse.Namespace, outputs: Mapping[str, str], apigateway_client: Any) -> None:
    if args.command == "postman":
        export_postman(outputs, args.out_dir, args.name)
        return
    if args.command == "openapi" and (args.template or "execute-api." not in outputs["ApiUrl"]):
        _write_json(args.out, offline_openapi(outputs, args.template or template_path()))
        return
    stage = DeployedStage.from_outputs(outputs)
    client = apigateway_client or _apigateway_client(stage.region)
    if args.command == "openapi":
        _write_json(args.out, export_openapi(client, stage))
        return
    dest = args.out_dir / args.sdk_type
    files = download_sdk(client, stage, args.sdk_type, dest, dict(args.param))
    print(f"wrote {len(files)} files of the {args.sdk_type} SDK to {dest}/")


def main(
    argv: Sequence[str] | None = None,
    *,
    cloudformation_client: Any = None,
    apigateway_client: Any = None,
) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        outputs, _overrides = resolve_outputs(args, cloudformation_client=cloudformation_client)
        run(args, outputs, apigateway_client)
    except GuestApiError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{parser.prog}: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0
