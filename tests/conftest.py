"""Shared fixtures. pytest-socket (see pyproject addopts) lets tests reach loopback only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import botocore.loaders
import botocore.session
import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def template_path() -> Path:
    return ROOT / "template.yaml"


@pytest.fixture(scope="session", autouse=True)
def terminal_width() -> Iterator[None]:
    """The check report fits its table to the terminal (COLUMNS): the same 120 columns for every
    run, whatever terminal started it (pytest-xdist's workers say 80), so no expected cell is
    cut."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", "120")
        yield


@pytest.fixture(scope="session", autouse=True)
def one_botocore_loader() -> Iterator[None]:
    """Every botocore session reads its service models (JSON) again, about 30 ms per client, and
    moto starts each test with a new session. One loader for the run: its cache is keyed by
    file, and a session never changes what it loaded."""
    loader = botocore.loaders.create_loader()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", lambda *_args: loader)
        yield


# CI replays the same examples every run (a failure there is reproducible, not luck); on a
# developer's machine hypothesis keeps exploring new inputs and remembers what failed.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")
