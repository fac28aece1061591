"""Exactly N requests, for the phases bounded by count rather than time (warm-up, memory, control).

wrk is bounded by time only: its Lua `wrk.thread:stop()` stops sending but the process still
waits out the full duration. These phases measure memory and correctness, not speed, so an aiohttp
client in this (the benchmark's) process does them; the server is still its own process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from yarl import URL


@dataclass(frozen=True)
class CountResult:
    requests: int
    status_errors: int  # answers outside 2xx
    socket_errors: int


def send(
    url: str,
    count: int,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    concurrency: int = 8,
) -> CountResult:
    """Send `count` identical requests over `concurrency` keep-alive connections (2 minutes at
    most: a hang is a failure, not a figure)."""
    return asyncio.run(
        asyncio.wait_for(_send(url, count, method, dict(headers or {}), body, concurrency), 120)
    )


async def _send(
    url: str,
    count: int,
    method: str,
    headers: dict[str, str],
    body: bytes | None,
    concurrency: int,
) -> CountResult:
    left = count
    status_errors = socket_errors = 0
    target = URL(url, encoded=True)  # a presigned query must go out byte for byte

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal left, status_errors, socket_errors
        while left > 0:
            left -= 1
            try:
                async with session.request(method, target, headers=headers, data=body) as resp:
                    await resp.read()
                    status_errors += not 200 <= resp.status < 300
            except aiohttp.ClientError:
                socket_errors += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return CountResult(count, status_errors, socket_errors)
