"""`export.py sdk` (GetSdk) and `export.py openapi` (GetExport) against a stubbed API Gateway."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import botocore.session
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from guestapi.cli.export import main
from guestapi.outputs import write_outputs_file

DEPLOYED = {
    "ApiUrl": "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/dev",
    "IdentityPoolId": "eu-west-1:11111111-2222-3333-4444-555555555555",
    "Region": "eu-west-1",
}


def client_with_stub():
    client = botocore.session.Session().create_client(
        "apigateway",
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="x",
    )
    return client, Stubber(client)


def body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "outputs-default.json"
    write_outputs_file(DEPLOYED, path)
    return path


def test_sdk_is_fetched_for_the_stage_and_unzipped(outputs_file: Path, tmp_path: Path) -> None:
    client, stub = client_with_stub()
    archive = zipped({"apiGateway-js-sdk/apigClient.js": "var apigClientFactory = {};"})
    expected = {
        "restApiId": "a1b2c3d4e5",
        "stageName": "dev",
        "sdkType": "javascript",
        "parameters": {},
    }
    stub.add_response(
        "get_sdk", {"body": body(archive), "contentType": "application/zip"}, expected
    )
    with stub:
        code = main(
            [
                "sdk",
                "--type",
                "javascript",
                "--outputs-file",
                str(outputs_file),
                "--out-dir",
                str(tmp_path / "sdk"),
            ],
            apigateway_client=client,
        )
    stub.assert_no_pending_responses()
    assert code == 0
    assert (
        (tmp_path / "sdk" / "javascript" / "apiGateway-js-sdk" / "apigClient.js")
        .read_text()
        .startswith("var")
    )


def test_sdk_types_get_their_required_parameters(outputs_file: Path, tmp_path: Path) -> None:
    client, stub = client_with_stub()
    expected = {
        "restApiId": "a1b2c3d4e5",
        "stageName": "dev",
        "sdkType": "android",
        "parameters": {
            "groupId": "com.example",
            "artifactId": "guest-api-sdk",
            "artifactVersion": "2.0.0",
            "invokerPackage": "com.example.guestapi",
        },
    }
    stub.add_response("get_sdk", {"body": body(zipped({"a/pom.xml": "<project/>"}))}, expected)
    with stub:
        argv = [
            "sdk",
            "--type",
            "android",
            "--param",
            "artifactVersion=2.0.0",
            "--outputs-file",
            str(outputs_file),
        ]
        code = main([*argv, "--out-dir", str(tmp_path / "sdk")], apigateway_client=client)
    assert code == 0 and (tmp_path / "sdk" / "android" / "a" / "pom.xml").exists()


def test_sdk_archive_with_an_escaping_path_is_refused(
    outputs_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client, stub = client_with_stub()
    stub.add_response("get_sdk", {"body": body(zipped({"../evil.js": "x"}))})
    with stub:
        code = main(
            [
                "sdk",
                "--type",
                "javascript",
                "--outputs-file",
                str(outputs_file),
                "--out-dir",
                str(tmp_path / "sdk"),
            ],
            apigateway_client=client,
        )
    assert code == 2
    assert not (tmp_path / "evil.js").exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unsafe path" in err


def test_aws_refusal_is_one_line(outputs_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    client, stub = client_with_stub()
    stub.add_client_error("get_sdk", "NotFoundException", "Invalid stage identifier specified")
    with stub:
        code = main(
            ["sdk", "--type", "ruby", "--outputs-file", str(outputs_file)], apigateway_client=client
        )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "NotFoundException: Invalid stage identifier specified" in err


def test_openapi_export_asks_for_oas30_with_the_apigateway_extensions(
    outputs_file: Path, tmp_path: Path
) -> None:
    client, stub = client_with_stub()
    document = {"openapi": "3.0.1", "paths": {"/demo": {"get": {}}}}
    expected = {
        "restApiId": "a1b2c3d4e5",
        "stageName": "dev",
        "exportType": "oas30",
        "parameters": {"extensions": "apigateway"},
        "accepts": "application/json",
    }
    stub.add_response("get_export", {"body": body(json.dumps(document).encode())}, expected)
    out = tmp_path / "openapi.json"
    with stub:
        code = main(
            ["openapi", "--outputs-file", str(outputs_file), "--out", str(out)],
            apigateway_client=client,
        )
    assert code == 0 and json.loads(out.read_text()) == document


def test_sdk_needs_a_deployed_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    offline = {**DEPLOYED, "ApiUrl": "http://127.0.0.1:4566/dev"}
    path = tmp_path / "outputs-local.json"
    write_outputs_file(offline, path)
    assert main(["sdk", "--type", "javascript", "--outputs-file", str(path)]) == 2
    assert "not a deployed stage URL" in capsys.readouterr().err
