"""Every relative link of README.md and docs/*.md reaches a file that exists, and every anchor a
heading of the page it names (GitHub's anchors); the shell blocks are marked as the docs test
reads them (tests/offline/test_doc_commands.py runs them)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from _markdown import PAGES, ROOT, anchors, links, shell_blocks, slug


def test_the_pages_are_where_the_checks_look() -> None:
    names = {p.name for p in PAGES}
    assert {"README.md", "offline-stack.md", "attested-installs.md", "aws-behaviour.md"} <= names


def test_github_anchors() -> None:
    assert slug("Only your app: attested installs") == "only-your-app-attested-installs"
    assert slug("The browser example (`web/`)") == "the-browser-example-web"
    assert slug("What `make lint` then demands") == "what-make-lint-then-demands"


def _broken(page: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for line, target in links(page):
        parts = urlsplit(target)
        if parts.scheme or target.startswith("//") or target.startswith("mailto:"):
            continue  # an external address: not this test's business
        path = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not path.exists():
            broken.append(f"{page.name}:{line}: {target} (no such file)")
        elif parts.fragment and path.suffix == ".md" and parts.fragment not in anchors(path):
            broken.append(f"{page.name}:{line}: {target} (no such heading)")
        elif not path.is_relative_to(root.resolve()):
            broken.append(f"{page.name}:{line}: {target} (outside the repository)")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_and_anchors_resolve(page: Path) -> None:
    assert _broken(page) == []


def test_a_broken_link_or_anchor_is_caught(tmp_path: Path) -> None:
    # The control: the same check on a page with one link of each kind broken.
    (tmp_path / "other.md").write_text("# Here\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Top\n[ok](other.md#here) [file](missing.md) [anchor](other.md#there) [self](#top)\n"
        "`[not a link](nowhere.md)`\n",
        encoding="utf-8",
    )
    assert [b.split(": ", 1)[1] for b in _broken(page, tmp_path)] == [
        "missing.md (no such file)",
        "other.md#there (no such heading)",
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_skipped_blocks_say_why(page: Path) -> None:
    for block in shell_blocks(page):
        assert block.mark != "skip" or len(block.reason) > 10, block.where
        assert block.commands, f"{block.where}: an empty shell block"


def test_the_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 250
