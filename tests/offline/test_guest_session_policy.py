"""`local.py --guest-session-policy documented`: Cognito's managed scope-down policy, as AWS
publishes it, on enhanced-flow guest credentials (docs/aws-behaviour.md#guest-scope-down-policy).

It lists no execute-api action, so the check suite fails with a diagnosis naming the policy;
basic-flow credentials (AssumeRoleWithWebIdentity) are not scoped down, so the client's basic
flow reaches GET /demo on a stack that allows it. The default, `none`, is the control.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from test_check_suite import diagnoses, failed, run_check

from guestapi.cli import local
from guestapi.client import GuestCredentialProvider, signed_session
from guestapi.cognito_session_policy import POLICY_NAME
from guestapi.offline.launch import serve

pytestmark = pytest.mark.offline

CLASSIC_ON = {"AllowClassicFlow": "true"}


@pytest.fixture(scope="module")
def documented(template_path: Path) -> Iterator[dict[str, str]]:
    with serve(template_path, overrides=CLASSIC_ON, guest_session_policy="documented") as outputs:
        yield outputs


def get_demo(outputs: dict[str, str], **options: str) -> requests.Response:
    provider = GuestCredentialProvider.from_outputs(outputs, **options)
    session = signed_session(provider, outputs["Region"])
    return session.get(outputs["ApiUrl"] + "/demo", timeout=30)


def test_the_check_suite_fails_and_names_the_session_policy(
    template_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(template_path, guest_session_policy="documented") as outputs:
        code, out, report = run_check(outputs, tmp_path, capsys)
    assert code == 1
    assert "guest-get" in failed(report)
    assert POLICY_NAME in diagnoses(report)["guest-get"]
    assert POLICY_NAME in out


def test_enhanced_flow_guests_are_refused_by_the_session_policy(
    documented: dict[str, str],
) -> None:
    response = get_demo(documented)
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert response.json()["Message"].endswith(
        "because no session policy allows the execute-api:Invoke action"
    )


def test_the_basic_flow_is_not_scoped_down(documented: dict[str, str]) -> None:
    response = get_demo(documented, flow="basic", role_arn=documented["GuestRoleArn"])
    assert response.status_code == 200, response.text
    assert response.json()["identityId"]


def test_without_the_switch_enhanced_flow_guests_get_through(template_path: Path) -> None:
    # The control: the same stack and client, with the default `none`.
    with serve(template_path, overrides=CLASSIC_ON) as outputs:
        assert get_demo(outputs).status_code == 200


def test_local_py_refuses_an_unknown_value(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        local.main(["--guest-session-policy", "strict"])
    assert exited.value.code == 2
    assert "--guest-session-policy" in capsys.readouterr().err
