"""API Gateway's own exports of a deployed stage: generated client SDKs and the OpenAPI file.

`GetSdk` returns a zip of a client that signs its requests itself; `GetExport` returns the
stage's API definition. Both need the REST API id and the stage, which the `ApiUrl` output
holds (https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from guestapi.errors import GuestApiError

SDK_TYPES = ("javascript", "android", "objectivec", "swift", "java", "ruby")

#: Parameters GetSdk requires per SDK type (API Gateway API reference, GetSdk `parameters`),
#: with defaults named after this project; `--param KEY=VALUE` overrides any of them.
SDK_DEFAULT_PARAMETERS: dict[str, dict[str, str]] = {
    "javascript": {},
    "android": {
        "groupId": "com.example",
        "artifactId": "guest-api-sdk",
        "artifactVersion": "1.0.0",
        "invokerPackage": "com.example.guestapi",
    },
    "objectivec": {"classPrefix": "GUEST"},
    "swift": {"classPrefix": "GUEST"},
    "java": {"serviceName": "GuestApiSdk", "javaPackageName": "com.example.guestapi"},
    "ruby": {"service.name": "GuestApi"},
}


class ExportError(GuestApiError):
    """An export could not be made (not a deployed API URL, AWS refused, bad archive)."""


@dataclass(frozen=True)
class DeployedStage:
    rest_api_id: str
    stage: str
    region: str

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, str]) -> DeployedStage:
        parts = urlsplit(outputs["ApiUrl"])
        host = parts.hostname or ""
        api_id, _, rest = host.partition(".")
        stage = parts.path.strip("/")
        if not rest.startswith("execute-api.") or not api_id or not stage or "/" in stage:
            raise ExportError(
                f"ApiUrl {outputs['ApiUrl']!r} is not a deployed stage URL "
                "(https://ID.execute-api.REGION.amazonaws.com/STAGE); GetSdk and GetExport "
                "need a stack deployed to AWS"
            )
        return cls(api_id, stage, outputs["Region"])


def _aws_call(what: str, call: Any, **params: Any) -> dict[str, Any]:
    try:
        return call(**params)
    except NoCredentialsError:
        raise ExportError(f"{what}: no AWS credentials found") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise ExportError(
            f"{what} refused: {error.get('Code', '?')}: {error.get('Message', '')}"
        ) from None
    except BotoCoreError as exc:
        raise ExportError(f"{what} failed: {exc}") from None


def sdk_parameters(sdk_type: str, overrides: Mapping[str, str]) -> dict[str, str]:
    if sdk_type not in SDK_TYPES:
        raise ExportError(f"unknown SDK type {sdk_type!r} (one of: {', '.join(SDK_TYPES)})")
    return {**SDK_DEFAULT_PARAMETERS[sdk_type], **overrides}


def _safe_extract(archive: zipfile.ZipFile, dest: Path) -> list[Path]:
    """Unzip refusing absolute paths and `..` (a zip may name any path)."""
    written = []
    for member in archive.infolist():
        name = PurePosixPath(member.filename)
        if name.is_absolute() or ".." in name.parts:
            raise ExportError(f"the SDK archive holds an unsafe path: {member.filename!r}")
        archive.extract(member, dest)
        if not member.is_dir():
            written.append(dest / Path(*name.parts))
    return written


def download_sdk(
    client: Any, stage: DeployedStage, sdk_type: str, dest: Path, overrides: Mapping[str, str] = {}
) -> list[Path]:
    """GetSdk for the stage, unzipped into `dest`; returns the files written."""
    params = sdk_parameters(sdk_type, overrides)
    answer = _aws_call(
        f"GetSdk {sdk_type} for {stage.rest_api_id}/{stage.stage}",
        client.get_sdk,
        restApiId=stage.rest_api_id,
        stageName=stage.stage,
        sdkType=sdk_type,
        parameters=params,
    )
    body = answer["body"].read()
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            dest.mkdir(parents=True, exist_ok=True)
            return _safe_extract(archive, dest)
    except zipfile.BadZipFile:
        raise ExportError("GetSdk answered something that is not a zip archive") from None


def export_openapi(client: Any, stage: DeployedStage) -> dict[str, Any]:
    """GetExport: the stage's definition as OpenAPI 3.0 with the x-amazon-apigateway extensions."""
    answer = _aws_call(
        f"GetExport for {stage.rest_api_id}/{stage.stage}",
        client.get_export,
        restApiId=stage.rest_api_id,
        stageName=stage.stage,
        exportType="oas30",
        parameters={"extensions": "apigateway"},
        accepts="application/json",
    )
    try:
        return json.loads(answer["body"].read())
    except ValueError:
        raise ExportError("GetExport answered something that is not JSON") from None
