"""The guest client and call.py against the offline stack: the real Cognito-shaped endpoint and
the real SigV4 verifier, no fakes in between."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from guestapi.cli import call
from guestapi.client import (
    GuestCredentialProvider,
    GuestCredentialsError,
    SigningClock,
    signed_session,
)
from guestapi.offline.launch import serve

pytestmark = pytest.mark.offline


def _outputs_file(outputs: dict[str, str], tmp_path: Path, name: str = "outputs.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(outputs), encoding="utf-8")
    return path


def _identity(out: str) -> str:
    match = re.search(r'"identityId": "([^"]+)"', out)
    assert match, out
    return match.group(1)


def test_call_get_demo_and_reuse_the_identity(
    offline_outputs: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = _outputs_file(offline_outputs, tmp_path)
    cache = tmp_path / "identities.json"
    argv = ["--outputs-file", str(outputs), "--cache-path", str(cache), "GET", "/demo"]

    assert call.main(argv) == 0
    first = capsys.readouterr().out
    assert first.startswith("HTTP 200")
    identity = _identity(first)
    assert json.loads(cache.read_text())["identities"] == {
        offline_outputs["IdentityPoolId"]: identity
    }

    assert call.main(argv) == 0  # a second run of the "app": same identity, no new GetId
    assert _identity(capsys.readouterr().out) == identity


def test_call_never_prints_credentials(
    offline_outputs: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = _outputs_file(offline_outputs, tmp_path)
    code = call.main(
        [
            "--outputs-file",
            str(outputs),
            "--cache-path",
            str(tmp_path / "c.json"),
            "-v",
            "GET",
            "/demo",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"(?im)^> authorization: <redacted>$", out)
    assert re.search(r"(?im)^> x-amz-security-token: <redacted>$", out)
    assert "Signature=" not in out and "AWS4-HMAC-SHA256" not in out


def test_call_post_is_refused_with_exit_1(
    offline_outputs: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = _outputs_file(offline_outputs, tmp_path)
    code = call.main(
        [
            "--outputs-file",
            str(outputs),
            "--cache-path",
            str(tmp_path / "c.json"),
            "POST",
            "/demo",
            "--data",
            "{}",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("HTTP 403")
    assert "Missing Authentication Token" in out


def test_identity_unknown_to_the_pool_is_reminted_once(
    offline_outputs: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An install whose cached identity the pool does not know (the pool was recreated, the
    # identity deleted): Cognito answers ResourceNotFoundException and the client mints anew.
    pool = offline_outputs["IdentityPoolId"]
    stale = f"{offline_outputs['Region']}:00000000-0000-4000-8000-000000000000"
    cache = tmp_path / "identities.json"
    cache.write_text(json.dumps({"version": 1, "identities": {pool: stale}}))
    path = _outputs_file(offline_outputs, tmp_path)
    assert call.main(["--outputs-file", str(path), "--cache-path", str(cache), "GET", "/demo"]) == 0
    identity = _identity(capsys.readouterr().out)
    assert identity != stale
    assert json.loads(cache.read_text())["identities"] == {pool: identity}


def test_skew_is_corrected_against_the_real_verifier(offline_outputs: dict[str, str]) -> None:
    provider = GuestCredentialProvider(
        offline_outputs["IdentityPoolId"],
        offline_outputs["Region"],
        endpoint_url=offline_outputs["CognitoIdentityEndpoint"],
    )
    url = offline_outputs["ApiUrl"] + "/demo"

    def an_hour_slow() -> datetime:
        return datetime.now(UTC) - timedelta(hours=1)

    # control: without correction the slow clock's signature is refused
    uncorrected = signed_session(
        provider, offline_outputs["Region"], clock=SigningClock(an_hour_slow), correct_skew=False
    )
    refused = uncorrected.get(url)
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("Signature expired")

    clock = SigningClock(an_hour_slow)
    response = signed_session(provider, offline_outputs["Region"], clock=clock).get(url)
    assert response.status_code == 200
    assert len(response.history) == 1 and response.history[0].status_code == 403
    assert response.json()["identityId"] == provider.identity_id()


def test_refreshed_credentials_keep_working(offline_outputs: dict[str, str]) -> None:
    now = [datetime.now(UTC)]
    provider = GuestCredentialProvider(
        offline_outputs["IdentityPoolId"],
        offline_outputs["Region"],
        endpoint_url=offline_outputs["CognitoIdentityEndpoint"],
        clock=lambda: now[0],
    )
    session = signed_session(provider, offline_outputs["Region"])
    url = offline_outputs["ApiUrl"] + "/demo"
    assert session.get(url).status_code == 200
    first_key = provider.credentials().get_frozen_credentials().access_key

    now[0] += timedelta(minutes=56)  # inside the 5-minute margin: the next signing refreshes
    assert session.get(url).status_code == 200
    assert provider.credentials().get_frozen_credentials().access_key != first_key


def test_basic_flow_works_when_classic_flow_is_allowed(
    template_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(template_path, overrides={"AllowClassicFlow": "true"}) as outputs:
        path = _outputs_file(outputs, tmp_path)
        argv = [
            "--outputs-file",
            str(path),
            "--cache-path",
            str(tmp_path / "c.json"),
            "--flow",
            "basic",
            "GET",
            "/demo",
        ]
        assert call.main(argv) == 0
    assert capsys.readouterr().out.startswith("HTTP 200")


def test_basic_flow_refused_by_default_is_one_line(
    offline_outputs: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _outputs_file(offline_outputs, tmp_path)
    argv = [
        "--outputs-file",
        str(path),
        "--cache-path",
        str(tmp_path / "c.json"),
        "--flow",
        "basic",
        "GET",
        "/demo",
    ]
    assert call.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "call.py: GetOpenIdToken failed: InvalidParameterException: Basic (classic) flow"
    )
    assert len(err.splitlines()) == 1


def test_unreachable_endpoint_is_a_guest_credentials_error() -> None:
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    cognito = botocore.session.get_session().create_client(  # no retries: fast
        "cognito-identity",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )
    pool = "us-east-1:11111111-2222-3333-4444-555555555555"
    provider = GuestCredentialProvider(pool, "us-east-1", cognito_client=cognito)
    with pytest.raises(GuestCredentialsError, match="GetId failed: EndpointConnectionError"):
        provider.credentials()
