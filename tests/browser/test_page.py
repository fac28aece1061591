"""The example page in a real Chromium, on its own origin, against the offline stack.

Each protection the template carries for browsers is checked twice: as shipped (the page works,
or shows a readable error) and with that protection removed from a copy of the template (the
browser withholds the response and the page can only report a CORS failure). The removed cases
are what prove each test can fail.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from _browser_harness import ARTIFACTS, IDENTITY_ID, OpenPage, PageRun, template_variant

from guestapi.offline.launch import serve

pytestmark = pytest.mark.browser

CORS_MESSAGE = "The browser blocked the response (CORS) or the API is unreachable"
SHIPPED_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

# --- the template edits that remove one protection each (applied to a copy in tmp_path) ----
PREFLIGHT_NEEDS_AUTH = (
    "AddDefaultAuthorizerToCorsPreflight: false",
    "AddDefaultAuthorizerToCorsPreflight: true",
)
SECURITY_TOKEN_NOT_ALLOWED = (
    "        AllowHeaders: \"'Content-Type,Authorization,X-Amz-Date,X-Amz-Security-Token,",
    "        AllowHeaders: \"'Content-Type,Authorization,X-Amz-Date,",
)
GET_WITHOUT_ALLOW_ORIGIN = (
    "                    responseParameters:\n"
    "                      method.response.header.Access-Control-Allow-Origin: !Sub \"'${AllowedOrigin}'\"\n",
    "",
)
GUEST_MAY_ONLY_POST = ("${StageName}/GET/demo", "${StageName}/POST/demo")
DEFAULT_4XX_WITHOUT_CORS = (
    "        DEFAULT_4XX:\n"
    "          ResponseParameters:\n"
    "            Headers:\n"
    "              Access-Control-Allow-Origin: !Sub \"'${AllowedOrigin}'\"\n"
    "              Access-Control-Allow-Headers: \"'Content-Type,Authorization,X-Amz-Date,"
    "X-Amz-Security-Token,X-Amz-Content-Sha256,X-Amz-User-Agent'\"\n",
    "",
)


def screenshot_path(request: pytest.FixtureRequest, *, success: bool = False) -> Path:
    """test-artifacts/browser-<case>.png; the shipped success case is browser-success.png."""
    return ARTIFACTS / (
        "browser-success.png" if success else f"browser-{request.node.callspec.id}.png"
    )


def demo_url(outputs: dict[str, str]) -> str:
    return outputs["ApiUrl"].rstrip("/") + "/demo"


def assert_blocked_by_cors(run: PageRun, outputs: dict[str, str], reason: str) -> None:
    """The page got credentials, but the browser withheld the API's answer, for `reason`."""
    assert IDENTITY_ID.match(run.stored_identity or ""), "the Cognito step should have succeeded"
    assert (run.state, run.step) == ("cors-error", "api"), run
    assert run.error == CORS_MESSAGE
    assert run.identity == "—"
    assert run.cors_errors_for(demo_url(outputs)) == [reason], run.cors_errors


# ------------------------------------------------------------------------------- 1. success
@pytest.mark.parametrize(
    ("edits", "blocked_because"),
    [
        pytest.param((), None, id="as-shipped"),
        # Trap 1: the preflight carries no credentials, so an authorized OPTIONS answers 403.
        pytest.param((PREFLIGHT_NEEDS_AUTH,), "PreflightInvalidStatus", id="bite-preflight-auth"),
        # Trap 3: a header the signer adds is missing from Access-Control-Allow-Headers.
        pytest.param(
            (SECURITY_TOKEN_NOT_ALLOWED,),
            "HeaderDisallowedByPreflightResponse",
            id="bite-signed-header-not-allowed",
        ),
        # SAM's Cors only answers OPTIONS: the GET must return the origin header itself.
        pytest.param(
            (GET_WITHOUT_ALLOW_ORIGIN,), "MissingAllowOriginHeader", id="bite-get-no-origin"
        ),
    ],
)
def test_page_gets_guest_credentials_and_calls_the_api(
    open_guest_page: OpenPage,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    edits: tuple[tuple[str, str], ...],
    blocked_because: str | None,
) -> None:
    template = template_variant(tmp_path, *edits) if edits else SHIPPED_TEMPLATE
    with serve(template=template) as outputs:
        run = open_guest_page(outputs, screenshot=screenshot_path(request, success=not edits))

    # The Cognito calls are cross-origin too: the SDK's headers (X-Amz-Target, ...) preflight.
    cognito_preflights = run.preflights_for(outputs["CognitoIdentityEndpoint"])
    assert cognito_preflights, run.requests
    assert set(cognito_preflights) == {200}
    # A signed GET always preflights: Authorization and X-Amz-* are not CORS-safelisted.
    assert len(run.preflights_for(demo_url(outputs))) == 1
    if blocked_because is not None:
        assert_blocked_by_cors(run, outputs, blocked_because)
        return
    assert run.preflights_for(demo_url(outputs))[0] in (200, 204)
    assert run.cors_errors == []
    assert (run.state, run.step, run.status) == ("ok", "", "200 OK"), run
    assert IDENTITY_ID.match(run.identity), run.identity
    # The API saw the very identity the SDK obtained (and cached) from the identity pool.
    assert run.identity == run.stored_identity


# ------------------------------------------------------------------------ 2. other origin
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "allowed", [pytest.param("https://other.example.com", id="other-origin"), "page-origin"]
)
def test_page_on_an_origin_the_api_does_not_allow_reports_cors(
    open_guest_page: OpenPage, request: pytest.FixtureRequest, allowed: str
) -> None:
    # The page's origin must be known before the stack starts, hence a port chosen up front.
    port = _free_port()
    page_origin = f"http://127.0.0.1:{port}"
    origin = page_origin if allowed == "page-origin" else allowed
    with serve(overrides={"AllowedOrigin": origin}) as outputs:
        run = open_guest_page(outputs, port=port, screenshot=screenshot_path(request))

    if allowed == "page-origin":
        # Control case: a single allowed origin works when it is the page's own.
        assert (run.state, run.status) == ("ok", "200 OK"), run
        assert run.identity == run.stored_identity
    else:
        assert_blocked_by_cors(run, outputs, "PreflightAllowOriginMismatch")


# ------------------------------------------------------------------- 3. readable 403
@pytest.mark.parametrize(
    ("edits", "readable"),
    [
        pytest.param((GUEST_MAY_ONLY_POST,), True, id="policy-lacks-get"),
        # Trap 2: without CORS headers on DEFAULT_4XX the browser hides the 403 entirely.
        pytest.param(
            (GUEST_MAY_ONLY_POST, DEFAULT_4XX_WITHOUT_CORS), False, id="bite-4xx-without-cors"
        ),
    ],
)
def test_access_denied_reaches_the_page_as_a_readable_403(
    open_guest_page: OpenPage, tmp_path: Path, edits: tuple[tuple[str, str], ...], readable: bool
) -> None:
    with serve(template=template_variant(tmp_path, *edits)) as outputs:
        run = open_guest_page(
            outputs,
            screenshot=ARTIFACTS / f"browser-403-{'readable' if readable else 'hidden'}.png",
        )

    if not readable:
        assert_blocked_by_cors(run, outputs, "MissingAllowOriginHeader")
        return
    assert run.cors_errors == []
    assert run.preflights_for(demo_url(outputs)) == [200]
    assert (run.state, run.step, run.status) == ("http-error", "api", "403"), run
    assert run.error.startswith("403 Forbidden: User: arn:aws:sts::"), run.error
    assert "is not authorized to perform: execute-api:Invoke on resource: " in run.error
    assert run.error.endswith(
        "/dev/GET/demo because no identity-based policy allows the execute-api:Invoke action"
    ), run.error


# ------------------------------------------------------ 4. Cognito refuses guests, readably
# (what AttestationMode=enforce does to the pool; the page is a guest client, see
# docs/attested-installs.md)
GUESTS_DISABLED = (
    "AllowUnauthenticatedIdentities: !If [AttestationEnforced, false, true]",
    "AllowUnauthenticatedIdentities: false",
)


def test_cognito_refusal_reaches_the_page_readably(
    open_guest_page: OpenPage, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # Cognito's 400 carries CORS headers, so the SDK (and the page) can read its error code.
    with serve(template=template_variant(tmp_path, GUESTS_DISABLED)) as outputs:
        run = open_guest_page(outputs, screenshot=ARTIFACTS / "browser-guests-disabled.png")

    assert run.cors_errors == []
    assert (run.state, run.step, run.status) == ("credentials-error", "credentials", "400"), run
    assert run.error == (
        "NotAuthorizedException: Unauthenticated access is not supported for this identity pool."
    )
    assert run.stored_identity is None
    assert not [url for method, url in run.requests if url == demo_url(outputs)]


# ------------------------------------------ 5. AttestationMode monitor: the page stays a guest
def test_page_is_a_guest_client_on_a_monitor_stack(open_guest_page: OpenPage) -> None:
    # monitor adds the attested path beside the guest one; a browser has no device attestation,
    # so the page keeps working as a guest (docs/attested-installs.md, "The web page stays a guest client").
    with serve(overrides={"AttestationMode": "monitor"}) as outputs:
        run = open_guest_page(outputs, screenshot=ARTIFACTS / "browser-monitor-mode.png")
    assert run.cors_errors == []
    assert (run.state, run.step, run.status) == ("ok", "", "200 OK"), run
    assert run.identity == run.stored_identity
