"""tests/unit/conftest.py's guard: a unit test (or its fixture) that opens a socket or starts a
process fails, with a message saying where such a test belongs."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import socket
import subprocess

import pytest
from pytest_socket import SocketBlockedError


@pytest.fixture(scope="module")
def from_a_module_fixture() -> Exception | None:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except SocketBlockedError as refused:
        return refused
    return None


def test_a_fixture_cannot_open_a_socket(from_a_module_fixture: Exception | None) -> None:
    assert isinstance(from_a_module_fixture, SocketBlockedError)


def test_a_test_cannot_listen_or_connect() -> None:
    for family in (socket.AF_INET, socket.AF_INET6):
        with pytest.raises(SocketBlockedError):
            socket.socket(family, socket.SOCK_STREAM)
    with pytest.raises(SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9), timeout=1)


def test_unix_sockets_stay_allowed_for_event_loops() -> None:
    a, b = socket.socketpair()
    a.close()
    b.close()
    assert asyncio.run(asyncio.sleep(0, result="ran")) == "ran"


@pytest.mark.parametrize(
    "start",
    [
        lambda: subprocess.run(["true"], check=False),
        lambda: os.system("true"),
        lambda: os.posix_spawn("/bin/true", ["true"], os.environ),
        lambda: multiprocessing.get_context("spawn").Process(target=print).start(),
    ],
    ids=["subprocess", "os.system", "posix_spawn", "multiprocessing"],
)
def test_a_test_cannot_start_a_process(start) -> None:
    with pytest.raises(RuntimeError, match="belong in tests/offline"):
        start()
