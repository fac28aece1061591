"""Helpers to drive the example page (web/) in Debian's Chromium against the offline stack.

Only a real browser enforces CORS, so these tests are the proof that a page on another origin
can get guest credentials and read the API's answers (and its errors). The browser's own
verdict is read through the DevTools protocol: which preflights it sent, and which responses it
withheld from the page and why (`corsErrorStatus`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _template_variants import write_variant

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
BUNDLE = REPO / "web" / "dist" / "app.js"
ARTIFACTS = REPO / "test-artifacts"
# Without the background-networking flags Chromium keeps dialling Google on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FINAL_STATE = '#result:not([data-state="idle"]):not([data-state="loading"])'
IDENTITY_ID = re.compile(r"^us-east-1:[0-9a-f-]{36}$")


def missing_prerequisite() -> str | None:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} not found: apt-get install chromium"
    if not BUNDLE.is_file():
        return f"{BUNDLE.relative_to(REPO)} not built: npm ci && npm run build"
    return None


@dataclass
class PageRun:
    """What the page showed and what the browser did on the network while it ran."""

    url: str
    state: str  # #result[data-state]
    step: str  # #result[data-step]: the call that failed, "" on success
    status: str
    identity: str
    error: str
    stored_identity: str | None  # identity id the SDK cached in localStorage
    preflights: list[tuple[str, int]] = field(default_factory=list)  # (url, status)
    cors_errors: list[tuple[str, str]] = field(default_factory=list)  # (url, corsError)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, url)
    console: list[str] = field(default_factory=list)

    def cors_errors_for(self, url: str) -> list[str]:
        return [error for seen, error in self.cors_errors if seen == url]

    def preflights_for(self, url: str) -> list[int]:
        return [status for seen, status in self.preflights if seen == url]


def record_network(page: Any, run: PageRun) -> None:
    # Playwright's own request events leave out CORS preflights; the DevTools protocol reports
    # them (type "Preflight") together with the reason for every response the page never saw.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}

    def sent(event: dict[str, Any]) -> None:
        urls[event["requestId"]] = event["request"]["url"]
        run.requests.append((event["request"]["method"], event["request"]["url"]))

    def received(event: dict[str, Any]) -> None:
        if event.get("type") == "Preflight":
            run.preflights.append((event["response"]["url"], event["response"]["status"]))

    def failed(event: dict[str, Any]) -> None:
        status = event.get("corsErrorStatus")
        if status:
            run.cors_errors.append((urls.get(event["requestId"], "?"), status["corsError"]))

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFailed", failed)


def template_variant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """template.yaml with each (old, new) applied exactly once, written to tmp_path."""
    return write_variant(REPO / "template.yaml", tmp_path, *edits)


OpenPage = Callable[..., PageRun]
