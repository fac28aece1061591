"""Finding a Lambda sandbox's processes from outside it, whatever PID namespace they are in: by
an entry of their environment (NAME=value) that only they hold, such as a marker put in the
function's Environment, or the sandbox's log stream name. Linux /proc only."""

from __future__ import annotations

import time
from pathlib import Path


def processes_with(entry: str) -> dict[int, str]:
    """pid -> command line of every live process whose environment holds `entry`."""
    needle = entry.encode()
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if needle not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            if (proc / "stat").read_bytes().rsplit(b")", 1)[1].split()[0] == b"Z":
                continue  # ended, not yet collected
            found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
    return found


def left_after(entry: str, within_s: float = 5.0) -> list[str]:
    """Command lines of the processes holding `entry` still alive after waiting up to
    `within_s` for them to end (the kernel ends a namespace's processes asynchronously)."""
    deadline = time.monotonic() + within_s
    while (left := processes_with(entry)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return sorted(left.values())
