"""serve_web without a browser: what it serves, what it keeps out of config.json, how it fails."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from guestapi.errors import GuestApiError
from guestapi.webpage import WebPageError, page_config, serve_web

OUTPUTS = {
    "ApiUrl": "http://127.0.0.1:9/dev",
    "IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000",
    "Region": "us-east-1",
    "CognitoIdentityEndpoint": "http://127.0.0.1:9/",
    "GuestRoleArn": "arn:aws:iam::123456789012:role/guest",
}


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "app.js").write_text("// bundle\n")
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.js").write_text("// source, not to be served\n")
    return tmp_path


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


def test_serves_page_bundle_and_public_config_only(web_dir: Path) -> None:
    with serve_web(OUTPUTS, web_dir=web_dir) as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        status, content_type, body = fetch(url)
        assert (status, content_type) == (200, "text/html; charset=utf-8")
        assert body.startswith(b"<!doctype html>")
        assert fetch(url + "dist/app.js")[:2] == (200, "text/javascript; charset=utf-8")
        status, _, body = fetch(url + "config.json")
        assert status == 200
        # GuestRoleArn (and anything else the outputs hold) never reaches the page.
        assert json.loads(body) == {k: v for k, v in OUTPUTS.items() if k != "GuestRoleArn"}
        # An allow-list, not a directory: sources and paths outside web/ are not served.
        for path in ("src/app.js", "../template.yaml", "%2e%2e/template.yaml", "dist/"):
            assert fetch(url + path)[0] == 404, path


def test_cognito_endpoint_is_optional_for_a_deployed_stack() -> None:
    deployed = {k: v for k, v in OUTPUTS.items() if k != "CognitoIdentityEndpoint"}
    assert "CognitoIdentityEndpoint" not in page_config(deployed)


def test_missing_outputs_are_a_readable_error(web_dir: Path) -> None:
    with (
        pytest.raises(WebPageError, match="stack outputs lack IdentityPoolId, Region"),
        serve_web({"ApiUrl": OUTPUTS["ApiUrl"]}, web_dir=web_dir),
    ):
        pass


def test_unbuilt_bundle_in_a_checkout_says_make_web(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}")  # a checkout: web/ beside package.json
    (tmp_path / "web").mkdir()
    with pytest.raises(GuestApiError) as caught, serve_web(OUTPUTS, web_dir=tmp_path / "web"):
        pass
    message = str(caught.value)
    assert f"is not built: run `make web` in {tmp_path.resolve()}" in message
    assert "wheel" not in message


def test_unbuilt_bundle_in_an_installed_package_says_it_was_built_without(
    tmp_path: Path,
) -> None:
    with pytest.raises(GuestApiError) as caught, serve_web(OUTPUTS, web_dir=tmp_path):
        pass
    assert "is not in this installed package" in str(caught.value)


def test_port_in_use_is_a_readable_error(web_dir: Path) -> None:
    with serve_web(OUTPUTS, web_dir=web_dir) as url:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        with (
            pytest.raises(WebPageError, match=f"cannot serve the page on 127.0.0.1:{port}"),
            serve_web(OUTPUTS, port=port, web_dir=web_dir),
        ):
            pass
