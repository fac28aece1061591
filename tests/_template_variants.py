"""Template variants for the tests that must fail when a protection is removed.

One helper for every test folder: each edit must match exactly once, so a change of wording in
the template makes the variant fail loudly instead of silently becoming the unmodified
template (which would make a bite test pass vacuously).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def write_variant(
    template: Path,
    destination: Path,
    *edits: tuple[str, str],
    alongside: Sequence[str] = (),
) -> Path:
    """`template` with each (old, new) applied, written into `destination`.

    `alongside` names directories next to the template (a function's CodeUri) to link into
    `destination`, so relative paths in the variant still resolve.
    """
    text = template.read_text(encoding="utf-8")
    for old, new in edits:
        count = text.count(old)
        assert count == 1, (
            f"template variant: expected {old!r} once in {template.name}, found {count}"
        )
        text = text.replace(old, new)
    for name in alongside:
        (destination / name).symlink_to(template.parent / name)
    path = destination / template.name
    path.write_text(text, encoding="utf-8")
    return path
