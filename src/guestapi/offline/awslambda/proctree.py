"""A sandbox's processes as Linux's /proc shows them: who descends from whom, their memory, and
ending them all. Standard library only (the supervisor imports it); by hand because psutil is
no dependency and would read every /proc/<pid>/stat the same way. Where /proc is missing
(macOS), `AVAILABLE` is False and every function here finds nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal

AVAILABLE = os.path.isdir("/proc/self/task")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# A process that forks as fast as it is killed is swept at most this many times.
_SWEEPS = 20


def parents() -> dict[int, int]:
    """pid -> parent pid, for every live process /proc lists (zombies are already over: their
    children have moved to a reaper, and they only wait to be collected)."""
    found: dict[int, int] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                data = stat.read()
        except OSError:  # it ended while we looked
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after
        # the last ")".
        fields = data[data.rfind(b")") + 2 :].split()
        if len(fields) > 1 and fields[0] not in (b"Z", b"X"):
            with contextlib.suppress(ValueError):
                found[int(name)] = int(fields[1])
    return found


def descendants(root: int) -> list[int]:
    """Every process below `root` (children, theirs, ...), parents before children."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents().items():
        children.setdefault(parent, []).append(pid)
    found: list[int] = []
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child != root:
                found.append(child)
                todo.append(child)
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def kill_descendants(root: int) -> None:
    """SIGKILL everything below `root`, again until nothing is left (a process killed while it
    forks may leave a child behind; a child whose parent is killed moves up to a subreaper, which
    is `root` in a sandbox, so the next sweep finds it)."""
    for _ in range(_SWEEPS):
        found = descendants(root)
        if not found:
            return
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def prctl(option: int, value: int) -> bool:
    """Linux's prctl(2) (no Python binding in the standard library); False where it fails or
    does not exist."""
    if not AVAILABLE:
        return False
    import ctypes  # only here: the worker imports this module and pays for what it uses

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
