"""Reading the project's Markdown the way GitHub renders it: headings and their anchors, links,
and fenced shell blocks with the HTML comment that marks how the docs test treats them.

Hand-written: the checks need GitHub's anchor rule and the comment before a fence, which no
Markdown library in the project's dependencies exposes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w-]*)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# [text](target) and ![alt](target), not inside inline code (stripped first).
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_MARK = re.compile(r"^\s*<!--\s*(aws-only|background|skip:\s*(?P<reason>.+?))\s*-->\s*$")


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced blocks."""
    out, fence = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        found = _FENCE.match(line)
        if found and (fence is None or found.group(2).startswith(fence)):
            fence = None if fence else found.group(2)
            continue
        if fence is None:
            out.append((number, line))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for _, line in _prose_lines(page.read_text(encoding="utf-8")):
        heading = _HEADING.match(line)
        if heading:
            base = slug(heading.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[tuple[int, str]]:
    """(line, target) of every link in the page's prose (code spans and blocks left out)."""
    found = []
    for number, line in _prose_lines(page.read_text(encoding="utf-8")):
        for target in _LINK.findall(re.sub(r"`[^`]*`", "", line)):
            found.append((number, target))
    return found


@dataclass(frozen=True)
class ShellBlock:
    page: Path
    line: int  # of the opening fence
    mark: str  # "run", "aws-only", "background" or "skip"
    reason: str  # a skip's reason
    commands: tuple[str, ...]  # continuation lines joined, comment-only lines dropped

    @property
    def where(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page.name
        return f"{page}:{self.line}"


def shell_blocks(page: Path) -> list[ShellBlock]:
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[ShellBlock] = []
    index = 0
    while index < len(lines):
        found = _FENCE.match(lines[index])
        if not found:
            index += 1
            continue
        indent, fence, language = found.groups()
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        if language in ("sh", "bash", "shell"):
            body = [line.removeprefix(indent) for line in lines[index + 1 : end]]
            previous = lines[index - 1] if index else ""
            mark = _MARK.match(previous)
            kind = "run" if mark is None else mark.group(1).split(":")[0]
            blocks.append(
                ShellBlock(page, index + 1, kind, (mark and mark.group("reason")) or "",
                           tuple(_commands(body)))
            )  # fmt: skip
        index = end + 1
    return blocks


def _commands(body: list[str]) -> list[str]:
    commands, current = [], ""
    for line in body:
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        commands.append((current + line).strip())
        current = ""
    return commands
