"""check.py / call.py exit codes against a fake target: 0 all pass, 1 some fail, 2 bad target.

The fake target is a tiny HTTP server on 127.0.0.1 standing in for API Gateway; the scenarios
used here need no Cognito (signing "none"), so nothing else is faked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from guestapi.cli import call, check

SCENARIO = {
    "title": "unsigned GET is refused",
    "signing": "none",
    "request": {"method": "GET", "path": "/demo", "headers": {"Origin": "$origin"}},
    "expect": {
        "status": 403,
        "headers": {
            "x-amzn-ErrorType": "MissingAuthenticationTokenException",
            "Access-Control-Allow-Origin": {"one_of": ["*", "$origin"]},
        },
        "body": {"message": "Missing Authentication Token"},
    },
}


class FakeApi:
    def __init__(self) -> None:
        self.auth_off = False  # answer 200 to everything, like a method with no authorizer
        self.paths: list[str] = []


@pytest.fixture
def fake_api() -> Iterator[tuple[FakeApi, str]]:
    state = FakeApi()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            state.paths.append(self.path)
            if state.auth_off:
                status, headers, body = 200, {}, {"message": "hello"}
            else:
                status = 403
                headers = {
                    "x-amzn-ErrorType": "MissingAuthenticationTokenException",
                    "Access-Control-Allow-Origin": "*",
                }
                body = {"message": "Missing Authentication Token"}
            data = json.dumps(body).encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/dev"
    finally:
        server.shutdown()
        server.server_close()


def _outputs(api_url: str) -> dict[str, str]:
    return {
        "ApiUrl": api_url,
        "IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000",
        "Region": "us-east-1",
        "GuestRoleArn": "arn:aws:iam::123456789012:role/guest",
        # nothing listens there: a scenario that needed Cognito would fail loudly
        "CognitoIdentityEndpoint": "http://127.0.0.1:9/",
    }


@pytest.fixture
def events(tmp_path: Path) -> Path:
    directory = tmp_path / "events"
    directory.mkdir()
    (directory / "unsigned-get.json").write_text(json.dumps(SCENARIO))
    return directory


@pytest.fixture
def outputs_file(tmp_path: Path, fake_api: Any) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(_outputs(fake_api[1])))
    return path


def test_exit_0_when_every_scenario_passes(
    outputs_file: Path,
    events: Path,
    tmp_path: Path,
    fake_api: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = check.main(
        [
            "--outputs-file",
            str(outputs_file),
            "--events",
            str(events),
            "--json",
            str(tmp_path / "r.json"),
            "--junit",
            str(tmp_path / "r.xml"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "1/1 scenarios passed" in out
    assert fake_api[0].paths == ["/dev/demo"]
    assert json.loads((tmp_path / "r.json").read_text())["passed"] == 1
    assert (tmp_path / "r.xml").read_text().startswith("<?xml")


def test_exit_1_and_a_diagnosis_when_a_scenario_fails(
    outputs_file: Path, events: Path, fake_api: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_api[0].auth_off = True
    code = check.main(["--outputs-file", str(outputs_file), "--events", str(events)])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL" in out and "0/1 scenarios passed" in out
    assert "diagnosis: The API answered an unsigned request: AWS_IAM auth is off" in out


def _one_line_error(capsys: pytest.CaptureFixture[str], *needles: str) -> None:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert err.startswith("check.py: ")
    for needle in needles:
        assert needle in err


def test_exit_2_missing_outputs_file(
    tmp_path: Path, events: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = check.main(["--outputs-file", str(tmp_path / "none.json"), "--events", str(events)])
    assert code == 2
    _one_line_error(capsys, "not found")


def test_exit_2_outputs_without_api_url(
    tmp_path: Path, events: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps({"Region": "us-east-1"}))
    assert check.main(["--outputs-file", str(path), "--events", str(events)]) == 2
    _one_line_error(capsys, "ApiUrl")


def test_exit_2_bad_scenario_file(
    outputs_file: Path, events: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (events / "broken.json").write_text('{"title": "x", "expect": {"status": "two hundred"}}')
    assert check.main(["--outputs-file", str(outputs_file), "--events", str(events)]) == 2
    _one_line_error(capsys, "broken.json", "expect.status")


def test_exit_2_api_unreachable(
    tmp_path: Path, events: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps(_outputs("http://127.0.0.1:9/dev")))
    assert check.main(["--outputs-file", str(path), "--events", str(events)]) == 2
    _one_line_error(capsys, "cannot reach http://127.0.0.1:9/dev")


def test_region_contradicting_the_outputs_file_is_refused_before_any_call(
    outputs_file: Path, events: Path, fake_api: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # It used to be ignored silently: the run went ahead against the file's region.
    argv = ["--outputs-file", str(outputs_file), "--events", str(events), "--region", "us-west-2"]
    assert check.main(argv) == 2
    _one_line_error(capsys, "--region us-west-2 contradicts Region us-east-1", "outputs.json")
    assert fake_api[0].paths == []
    code = call.main(["--outputs-file", str(outputs_file), "--region", "us-west-2", "GET", "/demo"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("call.py: --region us-west-2 contradicts") and len(err.splitlines()) == 1
    assert fake_api[0].paths == []


def test_region_repeating_the_outputs_file_region_is_accepted(
    outputs_file: Path, events: Path, fake_api: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--outputs-file", str(outputs_file), "--events", str(events), "--region", "us-east-1"]
    assert check.main(argv) == 0, capsys.readouterr()
    assert fake_api[0].paths == ["/dev/demo"]


def test_help_says_what_region_does_with_an_outputs_file() -> None:
    help_text = " ".join(check.build_parser().format_help().split())
    assert "with --outputs-file the file's Region is used and a different --region is refused" in (
        help_text
    )


def test_exit_2_unknown_config_env(
    tmp_path: Path, events: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    samconfig = tmp_path / "samconfig.toml"
    samconfig.write_text('version = 0.1\n[default.global.parameters]\nstack_name = "x"\n')
    code = check.main(
        ["--config-env", "prod", "--samconfig", str(samconfig), "--events", str(events)]
    )
    assert code == 2
    _one_line_error(capsys, "prod")


def _cloudformation() -> Any:
    return botocore.session.get_session().create_client(
        "cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )


def test_stack_name_reads_outputs_through_describe_stacks(
    fake_api: Any, events: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = _cloudformation()
    outputs = _outputs(fake_api[1])
    with Stubber(client) as stub:
        stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": "guest-api",
                        "CreationTime": "2026-01-01T00:00:00Z",
                        "StackStatus": "CREATE_COMPLETE",
                        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                    }
                ]
            },
            {"StackName": "guest-api"},
        )
        code = check.main(
            ["--stack-name", "guest-api", "--events", str(events)], cloudformation_client=client
        )
    assert code == 0, capsys.readouterr()


def test_exit_2_stack_does_not_exist(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    client = _cloudformation()
    with Stubber(client) as stub:
        stub.add_client_error(
            "describe_stacks", "ValidationError", "Stack with id nope does not exist", 400
        )
        code = check.main(
            ["--stack-name", "nope", "--events", str(events)], cloudformation_client=client
        )
    assert code == 2
    _one_line_error(capsys, "does not exist")


def test_no_target_is_a_usage_error(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        check.main(["--events", str(events)])
    assert info.value.code == 2


def test_origin_follows_the_stack_setting() -> None:
    assert check.pick_origin(None, {}, {"AllowedOrigin": "https://app.test"}) == "https://app.test"
    assert check.pick_origin(None, {}, {"AllowedOrigin": "*"}) == check.DEFAULT_ORIGIN
    assert (
        check.pick_origin("https://x.test", {"AllowedOrigin": "https://y.test"}, {})
        == "https://x.test"
    )


def test_call_redacts_credentials_and_refuses_bad_headers(
    outputs_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert call.redacted(
        {
            "Authorization": "AWS4-HMAC-SHA256 Credential=...",
            "X-Amz-Security-Token": "t",
            "Date": "d",
        }
    ) == {
        "Authorization": "<redacted>",
        "X-Amz-Security-Token": "<redacted>",
        "Date": "d",
    }
    code = call.main(["--outputs-file", str(outputs_file), "GET", "/demo", "-H", "no colon"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("call.py: -H expects 'Name: value'") and len(err.splitlines()) == 1


def test_call_with_cognito_unreachable_is_one_line(
    outputs_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = call.main(
        [
            "--outputs-file",
            str(outputs_file),
            "--cache-path",
            str(tmp_path / "ids.json"),
            "GET",
            "/demo",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("call.py: GetId failed: EndpointConnectionError")
        and len(err.splitlines()) == 1
    )
