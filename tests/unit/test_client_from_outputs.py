"""GuestCredentialProvider.from_outputs and the outputs-file errors that name the right command."""

from __future__ import annotations

from pathlib import Path

import pytest

from guestapi.client import GuestCredentialProvider
from guestapi.outputs import OutputsError, load_outputs_file

DEPLOYED = {
    "ApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/dev",
    "IdentityPoolId": "eu-west-1:11111111-2222-3333-4444-555555555555",
    "Region": "eu-west-1",
}
OFFLINE = {**DEPLOYED, "CognitoIdentityEndpoint": "http://127.0.0.1:4566/"}


def test_deployed_outputs_use_the_real_cognito() -> None:
    provider = GuestCredentialProvider.from_outputs(DEPLOYED)
    assert provider.endpoint_url is None
    assert provider.identity_pool_id == DEPLOYED["IdentityPoolId"]
    assert provider.region == "eu-west-1"


def test_offline_outputs_carry_their_cognito_endpoint() -> None:
    provider = GuestCredentialProvider.from_outputs(OFFLINE)
    assert provider.endpoint_url == "http://127.0.0.1:4566/"
    cognito = provider._cognito_client()
    assert cognito.meta.endpoint_url == "http://127.0.0.1:4566/"


def test_explicit_endpoint_and_options_win(tmp_path: Path) -> None:
    provider = GuestCredentialProvider.from_outputs(
        OFFLINE, endpoint_url="http://other:1/", flow="basic", role_arn="arn:aws:iam::1:role/r"
    )
    assert provider.endpoint_url == "http://other:1/"
    assert provider.flow == "basic"


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("outputs-local.json", "`make local`"),
        ("outputs-default.json", "`make deploy`"),
        ("outputs-staging.json", "`make deploy ENV=staging`"),
        ("elsewhere.json", "`make deploy` (AWS) or `make local`"),
    ],
)
def test_missing_outputs_file_names_the_command_that_writes_it(
    tmp_path: Path, name: str, command: str
) -> None:
    with pytest.raises(OutputsError) as caught:
        load_outputs_file(tmp_path / name)
    assert command in str(caught.value)
    if name == "outputs-local.json":
        assert "make deploy" not in str(caught.value)
