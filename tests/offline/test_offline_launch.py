"""The offline stack never hands out a URL that leaves this machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from guestapi.cli import local
from guestapi.offline.launch import NonLocalOutputError, build, local_outputs, serve

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture
def unserved(tmp_path: Path) -> Path:
    """The shipped template with its API of a real type the offline stack does not serve (an
    HTTP API): nothing serves its ApiUrl offline. (A unserved type stops the deploy before.)"""
    text = TEMPLATE.read_text().replace(
        "Type: AWS::Serverless::Api\n", "Type: AWS::ApiGatewayV2::Api\n"
    )
    assert "AWS::ApiGatewayV2::Api" in text
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return path


def test_an_output_on_aws_is_refused(unserved: Path) -> None:
    stack = build(unserved).stack
    assert ".amazonaws.com" in stack.outputs["ApiUrl"]  # what AWS would have answered
    with pytest.raises(NonLocalOutputError, match="output ApiUrl points outside the offline stack"):
        local_outputs(stack, "http://127.0.0.1:4566")


def test_serve_refuses_before_serving(unserved: Path) -> None:
    with pytest.raises(NonLocalOutputError), serve(unserved):
        pytest.fail("serve() yielded outputs that point at AWS")


def test_local_py_says_so_in_one_line(unserved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert local.main(["--template", str(unserved), "--port", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 or all("is not emulated" in line for line in err[:-1])
    assert "output ApiUrl points outside the offline stack" in err[-1]


def test_the_shipped_template_gets_local_urls_only() -> None:
    outputs = local_outputs(build(TEMPLATE).stack, "http://127.0.0.1:4566")
    assert outputs["ApiUrl"] == "http://127.0.0.1:4566/dev"
    assert outputs["CognitoIdentityEndpoint"] == "http://127.0.0.1:4566/"


def test_local_py_refuses_a_region_aws_does_not_have_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert local.main(["--region", "eu-wst-1", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "local.py: region 'eu-wst-1' is not an AWS region (botocore's partition data); "
        "did you mean eu-west-1?"
    ]
