"""tests/unit starts no process and opens no socket: a test that needs either goes to
tests/offline (a server, a port) or tests/tools (a subprocess: a CLI, a real linter, a sandbox).

The guard is set up before any fixture of the test, so a fixture that would start a server or a
process fails the test too. pytest-socket refuses socket creation (Unix sockets stay allowed:
asyncio's event loop wakes itself through a socketpair); the process guard refuses every way
the standard library starts a program or forks.
"""

from __future__ import annotations

import _posixsubprocess
import os
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_socket import disable_socket

from _attestation_harness import Harness, running
from guestapi.attestation.test_root import TestRoot

# Every call that makes a process: subprocess through its own reference to fork_exec (or
# posix_spawn), multiprocessing through _posixsubprocess's; os.system, os.fork and friends directly.
_PROCESS_STARTERS: tuple[tuple[Any, str], ...] = (
    (subprocess, "_fork_exec"),
    (_posixsubprocess, "fork_exec"),
    (os, "posix_spawn"),
    (os, "posix_spawnp"),
    (os, "fork"),
    (os, "forkpty"),
    (os, "system"),
)
_saved: list[tuple[Any, str, Callable[..., Any]]] = []


class ProcessBlockedError(RuntimeError):
    """A unit test tried to start a process."""


def _refuse(name: str) -> Callable[..., Any]:
    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise ProcessBlockedError(
            f"a test in tests/unit called {name}: tests that start a process belong in "
            "tests/offline or tests/tools"
        )

    return refused


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    disable_socket(allow_unix_socket=True)  # pytest-socket restores it after the test
    for owner, name in _PROCESS_STARTERS:
        _saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, _refuse(f"{owner.__name__}.{name}"))


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    while _saved:
        owner, name, original = _saved.pop()
        setattr(owner, name, original)


# -- the attestation function's unit tests: one TEST root per module, the function running
# in-process on it (tests/_attestation_harness.py) -----------------------------------------


@pytest.fixture(scope="module")
def root() -> TestRoot:
    return TestRoot.generate()


@pytest.fixture
def fn(monkeypatch: pytest.MonkeyPatch, root: TestRoot) -> Iterator[Harness]:
    with running(monkeypatch, root) as harness:
        yield harness
