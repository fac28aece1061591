"""Fixtures for the browser tests: one Chromium per session, one fresh context per page.

Skipped when Chromium or the bundle is missing on a developer machine; with CI=true they fail
instead, so CI cannot go green by silently skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from _browser_harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FINAL_STATE,
    OpenPage,
    PageRun,
    missing_prerequisite,
    record_network,
)


# Module scope, not session: Playwright's sync API keeps an asyncio loop running in this
# thread while it is open, which would break later tests that call asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = missing_prerequisite()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Never `playwright install`: this machine cannot download browsers; Debian's is used.
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def open_guest_page(browser: Any) -> Iterator[OpenPage]:
    """Serve web/ for `outputs` on its own origin, load it, wait for the outcome."""
    from guestapi.webpage import serve_web

    contexts: list[Any] = []

    def open_page(
        outputs: Mapping[str, str], *, port: int = 0, screenshot: Path | None = None
    ) -> PageRun:
        with serve_web(outputs, port=port) as url:
            context = browser.new_context(viewport={"width": 900, "height": 560})
            contexts.append(context)
            page = context.new_page()
            run = PageRun(url, "", "", "", "", "", None)
            record_network(page, run)
            page.on("console", lambda message: run.console.append(message.text))
            page.goto(url)
            page.wait_for_selector(FINAL_STATE, timeout=15_000)
            result = page.locator("#result")
            run.state = result.get_attribute("data-state") or ""
            run.step = result.get_attribute("data-step") or ""
            run.status = page.locator("#status").inner_text()
            run.identity = page.locator("#identity").inner_text()
            run.error = page.locator("#error").inner_text()
            run.stored_identity = page.evaluate(
                "() => Object.entries(localStorage)"
                ".filter(([k]) => k.startsWith('aws:cognito-identity-credentials:'))"
                ".map(([, v]) => v)[0] ?? null"
            )
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
            return run

    yield open_page
    for context in contexts:
        context.close()
