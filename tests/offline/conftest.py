"""Fixtures for running the check suite and the client against the offline stack.

Template variants are made by exact text edits of template.yaml; every edit asserts that its
anchor text is present exactly once, so a change to the template makes these tests fail loudly
instead of silently testing an unbroken stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from _template_variants import write_variant
from guestapi.offline.launch import serve


@pytest.fixture
def template_variant(tmp_path: Path, template_path: Path) -> Callable[..., Path]:
    """`make((old, new), ...)`: template.yaml with each `old` (present exactly once) replaced
    by `new`, written to tmp_path; returns its path."""

    def make(*replacements: tuple[str, str]) -> Path:
        return write_variant(template_path, tmp_path, *replacements)

    return make


@pytest.fixture(scope="module")
def offline_outputs(template_path: Path) -> Iterator[dict[str, str]]:
    """The offline stack from the project's own template.yaml, shared by a module's tests."""
    with serve(template_path) as outputs:
        yield outputs
