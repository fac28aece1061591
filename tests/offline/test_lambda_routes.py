"""Lambda-backed routes on the offline stack, through the real SDKs: the project's guest client
(boto3 for Cognito, requests-aws4auth for SigV4) against functions run in their sandboxes."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from _sandbox_processes import left_after, processes_with
from _template_variants import write_variant
from guestapi.client import GuestCredentialProvider, signed_session
from guestapi.offline.launch import OfflineStack, build, running

pytestmark = pytest.mark.offline

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "lambda_routes" / "template.yaml"
INTERNAL_ERROR = {"message": "Internal server error"}


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[OfflineStack, dict[str, str]]]:
    offline = build(TEMPLATE)
    with running(offline) as outputs:
        yield offline, outputs


@pytest.fixture(scope="module")
def guest(stack) -> tuple[GuestCredentialProvider, requests.Session]:
    _, outputs = stack
    provider = GuestCredentialProvider(
        outputs["IdentityPoolId"],
        outputs["Region"],
        endpoint_url=outputs["CognitoIdentityEndpoint"],
    )
    return provider, signed_session(provider, outputs["Region"])


def invocations(offline: OfflineStack, logical_id: str) -> int:
    assert offline.lambdas is not None
    [runtime] = [r for r in offline.lambdas.runtimes.values() if r.spec.logical_id == logical_id]
    return runtime.invocations


def test_the_guest_reaches_the_function_and_it_sees_the_guest(stack, guest) -> None:
    offline, outputs = stack
    provider, session = guest
    response = session.get(outputs["ApiUrl"] + "/whoami", timeout=30)
    assert response.status_code == 200
    answer = response.json()
    assert answer["identityId"] == provider.identity_id()
    assert answer["authenticationType"] == "unauthenticated"
    assert answer["greeting"] == "hello from the template"  # Environment, resolved
    assert 0 < answer["remainingMs"] <= 2000  # Timeout: 2
    assert (
        answer["functionName"]
        == offline.stack.functions[
            next(a for a, f in offline.stack.functions.items() if f.logical_id == "WhoAmI")
        ].name
    )


def test_an_unsigned_call_never_invokes_the_function(stack, guest) -> None:
    offline, outputs = stack
    _, session = guest
    before = invocations(offline, "WhoAmI")
    unsigned = requests.get(outputs["ApiUrl"] + "/whoami", timeout=30)
    assert unsigned.status_code == 403
    assert unsigned.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert invocations(offline, "WhoAmI") == before
    # The control: the same call signed does invoke it.
    assert session.get(outputs["ApiUrl"] + "/whoami", timeout=30).status_code == 200
    assert invocations(offline, "WhoAmI") == before + 1


def test_a_method_the_role_does_not_grant_is_access_denied_without_invoking(stack, guest) -> None:
    offline, outputs = stack
    _, session = guest
    before = invocations(offline, "Echo")
    response = session.post(outputs["ApiUrl"] + "/items/7", data=b"{}", timeout=30)
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert invocations(offline, "Echo") == before


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/boom", "KeyError: 'no such thing'"),
        ("/sleepy", "Task timed out after 1.00 seconds"),
        ("/malformed", "Malformed Lambda proxy response"),
        ("/leaves", "Runtime exited with error: exit status 3"),
    ],
)
def test_function_failures_are_502_and_the_stack_keeps_serving(
    stack, guest, caplog: pytest.LogCaptureFixture, path: str, reason: str
) -> None:
    _, outputs = stack
    _, session = guest
    with caplog.at_level(logging.INFO, logger="guestapi.offline"):
        response = session.get(outputs["ApiUrl"] + path, timeout=30)
    assert (response.status_code, response.json()) == (502, INTERNAL_ERROR)
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert reason in caplog.text  # the offline log says why; the caller never sees it
    assert session.get(outputs["ApiUrl"] + "/whoami", timeout=30).status_code == 200


def test_the_functions_role_decides_what_it_may_call(stack, guest) -> None:
    _, outputs = stack
    _, session = guest
    denied = session.get(outputs["ApiUrl"] + "/pool", timeout=30).json()
    granted = session.get(outputs["ApiUrl"] + "/pool-granted", timeout=30).json()
    assert denied == {"error": "AccessDeniedException"}
    assert granted == {"guests": True}


def test_function_logs_are_prefixed_and_never_hold_credentials(
    stack, guest, caplog: pytest.LogCaptureFixture
) -> None:
    offline, outputs = stack
    _, session = guest
    with caplog.at_level(logging.INFO, logger="guestapi.offline.lambda"):
        assert session.get(outputs["ApiUrl"] + "/leaky", timeout=30).status_code == 204
    lines = [r.getMessage() for r in caplog.records if r.name == "guestapi.offline.lambda"]
    name = next(f.name for f in offline.stack.functions.values() if f.logical_id == "Leaky")
    assert any(
        line.startswith(f"[{name} ") and "my secret is <redacted> and my token <redacted>" in line
        for line in lines
    )
    # Control characters are escaped, so a function cannot forge or colour log lines.
    assert any("line and a \\x1b[31mcolour" in line for line in lines)
    assert not any("\x1b" in line for line in lines)


def test_the_sandbox_holds_lambdas_environment_and_only_its_roles_keys(stack, guest) -> None:
    _, outputs = stack
    _, session = guest
    answer = session.get(outputs["ApiUrl"] + "/environment", timeout=30).json()
    env = answer["env"]
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert env["AWS_ACCESS_KEY_ID"] != os.environ.get("AWS_ACCESS_KEY_ID")
    assert env["AWS_ENDPOINT_URL_COGNITO_IDENTITY"] == outputs["CognitoIdentityEndpoint"]
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512" == answer["memory"]
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["_HANDLER"] == "handlers.environment"
    assert answer["arn"].startswith("arn:aws:lambda:us-east-1:123456789012:function:")
    assert "AWS_PROFILE" not in env


def test_concurrent_calls_run_in_separate_sandboxes(stack, guest) -> None:
    _, outputs = stack
    _, session = guest
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(lambda _: session.get(outputs["ApiUrl"] + "/pid", timeout=30), range(2))
        )
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].text != answers[1].text  # two processes, as two Lambda sandboxes


def test_stopping_the_stack_ends_every_sandbox() -> None:
    offline = build(TEMPLATE)
    with running(offline) as outputs:
        provider = GuestCredentialProvider(
            outputs["IdentityPoolId"],
            outputs["Region"],
            endpoint_url=outputs["CognitoIdentityEndpoint"],
        )
        stream = (
            signed_session(provider, outputs["Region"])
            .get(outputs["ApiUrl"] + "/pid", timeout=30)
            .text
        )
        assert processes_with(f"AWS_LAMBDA_LOG_STREAM_NAME={stream}")  # alive while it runs
    assert left_after(f"AWS_LAMBDA_LOG_STREAM_NAME={stream}") == []


def test_a_function_reads_and_writes_its_table_as_its_role_allows(stack, guest) -> None:
    offline, outputs = stack
    provider, session = guest
    item = session.get(outputs["ApiUrl"] + "/notes", timeout=30).json()
    assert item == {"identityId": provider.identity_id(), "note": ""}
    # The item is in the emulator's table, under the caller's identity.
    assert offline.dynamodb is not None
    [table] = offline.stack.tables
    stored = offline.dynamodb.emulator.client.get_item(
        TableName=table, Key={"identityId": {"S": provider.identity_id()}}
    )
    assert stored["Item"]["identityId"]["S"] == provider.identity_id()


def test_a_call_outside_the_functions_role_is_access_denied(stack, guest) -> None:
    _, outputs = stack
    _, session = guest
    denied = session.get(outputs["ApiUrl"] + "/notes-scan", timeout=30).json()
    assert denied == {"error": "AccessDeniedException"}


def test_granting_scan_lets_the_same_call_through(tmp_path: Path) -> None:
    # The control for the test above: the refusal came from the role's policy.
    granted = write_variant(
        TEMPLATE,
        tmp_path,
        (
            "        Variables: {NOTES_TABLE: !Ref NotesTable}\n      Policies:\n        - Statement:\n"
            "            - Effect: Allow\n              Action: [dynamodb:PutItem, dynamodb:GetItem]\n"
            "              Resource: !GetAtt NotesTable.Arn\n      Events:\n        Get:",
            "        Variables: {NOTES_TABLE: !Ref NotesTable}\n      Policies:\n        - Statement:\n"
            "            - Effect: Allow\n              Action: [dynamodb:Scan]\n"
            "              Resource: !GetAtt NotesTable.Arn\n      Events:\n        Get:",
        ),
        alongside=["src"],
    )
    with running(build(granted)) as outputs:
        provider = GuestCredentialProvider(
            outputs["IdentityPoolId"],
            outputs["Region"],
            endpoint_url=outputs["CognitoIdentityEndpoint"],
        )
        session = signed_session(provider, outputs["Region"])
        assert session.get(outputs["ApiUrl"] + "/notes-scan", timeout=30).json() == {"error": None}


def test_x_forwarded_for_cannot_choose_the_callers_source_ip(stack, guest) -> None:
    # sourceIp (and aws:SourceIp in policies) is the socket's address: a local client sending
    # X-Forwarded-For must not pick it (uvicorn trusts that header from 127.0.0.1 by default).
    _, outputs = stack
    _, session = guest
    answer = session.get(
        outputs["ApiUrl"] + "/source", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=30
    )
    assert answer.status_code == 200
    assert answer.text == "127.0.0.1"
