"""guestapi.outputs: outputs JSON files and CloudFormation DescribeStacks (through a Stubber)."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import pytest
from botocore.stub import Stubber

from guestapi.outputs import (
    REQUIRED,
    OutputsError,
    fetch_stack_outputs,
    load_outputs_file,
    write_outputs_file,
)

GOOD = {
    "ApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/dev",
    "IdentityPoolId": "eu-west-1:11111111-2222-3333-4444-555555555555",
    "GuestRoleArn": "arn:aws:iam::123456789012:role/guest-api-dev-GuestRole-X",
    "Region": "eu-west-1",
}


def describe_response(status: str = "CREATE_COMPLETE", outputs: dict[str, str] | None = None):
    outputs = GOOD if outputs is None else outputs
    return {
        "Stacks": [
            {
                "StackName": "guest-api-dev",
                "CreationTime": "2026-01-01T00:00:00Z",
                "StackStatus": status,
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            }
        ]
    }


@pytest.fixture
def cfn(monkeypatch):
    # Credentials are stubbed out by the Stubber, but botocore still signs: give it fake ones.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake")
    client = botocore.session.Session().create_client("cloudformation", region_name="eu-west-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


# -- files ---------------------------------------------------------------------------------


def test_write_then_load_round_trips_with_sorted_keys(tmp_path: Path):
    path = tmp_path / "nested" / "dir" / "outputs-dev.json"
    write_outputs_file(GOOD, path)
    assert load_outputs_file(path) == GOOD
    text = path.read_text()
    assert list(json.loads(text)) == sorted(GOOD)
    assert text.endswith("\n")
    assert [p.name for p in path.parent.iterdir()] == ["outputs-dev.json"]  # no temp file left


def test_load_missing_file_says_what_to_run(tmp_path: Path):
    with pytest.raises(OutputsError, match=r"not found: run `make deploy`"):
        load_outputs_file(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", r"not valid JSON \(line 1"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({**GOOD, "Region": 3}), "must be strings"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "IdentityPoolId"}), "IdentityPoolId"),
        (json.dumps({**GOOD, "ApiUrl": ""}), "missing required output.*ApiUrl"),
    ],
)
def test_load_rejects_malformed_files(tmp_path: Path, text: str, match: str):
    path = tmp_path / "o.json"
    path.write_text(text)
    with pytest.raises(OutputsError, match=match):
        load_outputs_file(path)


def test_load_keeps_extra_outputs(tmp_path: Path):
    path = tmp_path / "o.json"
    path.write_text(json.dumps({**GOOD, "CognitoIdentityEndpoint": "http://127.0.0.1:1"}))
    assert load_outputs_file(path)["CognitoIdentityEndpoint"] == "http://127.0.0.1:1"


def test_required_names_the_outputs_every_consumer_needs():
    assert REQUIRED == ("ApiUrl", "IdentityPoolId", "Region")


# -- CloudFormation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"]
)
def test_fetch_returns_every_output_of_a_usable_stack(cfn, status):
    client, stubber = cfn
    stubber.add_response(
        "describe_stacks", describe_response(status), {"StackName": "guest-api-dev"}
    )
    assert fetch_stack_outputs("guest-api-dev", client=client) == GOOD


def test_fetch_missing_stack_is_one_clear_line(cfn):
    client, stubber = cfn
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message="Stack with id guest-api-dev does not exist",
        http_status_code=400,
        expected_params={"StackName": "guest-api-dev"},
    )
    with pytest.raises(OutputsError) as info:
        fetch_stack_outputs("guest-api-dev", client=client)
    message = str(info.value)
    assert "\n" not in message
    assert "guest-api-dev does not exist in eu-west-1" in message
    assert "make deploy" in message


def test_fetch_other_client_errors_name_the_code(cfn):
    client, stubber = cfn
    stubber.add_client_error(
        "describe_stacks", service_error_code="AccessDenied", service_message="not allowed"
    )
    with pytest.raises(OutputsError, match="AccessDenied: not allowed"):
        fetch_stack_outputs("guest-api-dev", client=client)


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        ("CREATE_IN_PROGRESS", "wait for it"),
        ("REVIEW_IN_PROGRESS", "wait for it"),
        ("ROLLBACK_COMPLETE", "fix the failed deploy"),
        ("CREATE_FAILED", "fix the failed deploy"),
        ("DELETE_COMPLETE", "fix the failed deploy"),
    ],
)
def test_fetch_refuses_stacks_in_unusable_states(cfn, status, hint):
    client, stubber = cfn
    stubber.add_response("describe_stacks", describe_response(status))
    with pytest.raises(OutputsError, match=f"is {status}, not usable: {hint}"):
        fetch_stack_outputs("guest-api-dev", client=client)


def test_fetch_refuses_a_stack_without_the_required_outputs(cfn):
    client, stubber = cfn
    stubber.add_response("describe_stacks", describe_response(outputs={"ApiUrl": GOOD["ApiUrl"]}))
    with pytest.raises(OutputsError, match="IdentityPoolId, Region"):
        fetch_stack_outputs("guest-api-dev", client=client)


def test_fetch_without_credentials_is_one_clear_line(monkeypatch, tmp_path):
    # A real (unstubbed) client with no credential source at all: botocore raises
    # NoCredentialsError before any network call is attempted.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    with pytest.raises(OutputsError, match=r"^no AWS credentials found: configure a profile"):
        fetch_stack_outputs("guest-api-dev", region="eu-west-1")


def test_fetch_without_region_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(OutputsError, match=r"^no AWS region configured"):
        fetch_stack_outputs("guest-api-dev")
