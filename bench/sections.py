"""Sections of docs/benchmarks.md written by separate benchmarks.

`bench/run.py` rewrites the whole report; `bench/fresh_clone.py` measures something it does not
(a first install) and owns one section. Each keeps the other's section when it writes. The
before-and-after comparison of a change is kept too: its "before" figures come from a run of an
older commit, which no later run can measure again.
"""

from __future__ import annotations

FRESH_CLONE = "## First run from a fresh clone"
SANDBOX_BEFORE_AFTER = "## Lambda sandbox, before and after namespaces"
KEPT = (FRESH_CLONE, SANDBOX_BEFORE_AFTER)
_BEFORE = "## How to reproduce"


def section(text: str, title: str) -> str | None:
    """The section `title` (its heading to the next `## `), or None."""
    start = text.find(f"\n{title}\n")
    if start < 0:
        return None
    end = text.find("\n## ", start + 1)
    return text[start + 1 : end + 1 if end >= 0 else len(text)]


def splice(text: str, title: str, body: str) -> str:
    """`text` with section `title` replaced by `body`, or inserted before How to reproduce."""
    old = section(text, title)
    if old is not None:
        return text.replace(old, body)
    at = text.find(f"\n{_BEFORE}\n")
    return text + "\n" + body if at < 0 else text[: at + 1] + body + text[at + 1 :]
