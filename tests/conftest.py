"""Shared fixtures. pytest-socket (see pyproject addopts) lets tests reach loopback only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def template_path() -> Path:
    return ROOT / "template.yaml"


# CI replays the same examples every run (a failure there is reproducible, not luck); on a
# developer's machine hypothesis keeps exploring new inputs and remembers what failed.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")
