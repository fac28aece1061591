"""Shared fixtures. pytest-socket (see pyproject addopts) lets tests reach loopback only."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def template_path() -> Path:
    return ROOT / "template.yaml"
