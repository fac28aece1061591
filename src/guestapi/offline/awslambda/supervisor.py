"""The first process of a sandbox: the runtime (worker.py) is its forked child, and it watches
over it. In a PID namespace of its own (isolation.py) it is process 1, so the kernel kills what
is left when it exits; without one it is a child subreaper (Linux) and kills the orphans itself.

One loop, woken by SIGCHLD, the offline stack's end of the lifeline pipe or a 50 ms tick:
collect every child that ends; enforce MemorySize (docs/aws-behaviour.md#lambda-memory) by adding
up the resident memory below it each tick and killing them all past the limit; end the sandbox
when the lifeline closes (the stack is gone, even killed); then report how the runtime ended on
the status pipe and exit. Polling, not a kernel limit: RLIMIT_AS / RLIMIT_DATA count reserved
address space (thread stacks, malloc arenas) and raise MemoryError where Lambda kills, and a
cgroup's memory.max needs a delegation an unprivileged process does not get in general. The
cost: a function may go past the limit by what it allocates in one tick.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import signal
from typing import NoReturn

from guestapi.offline.awslambda import proctree
from guestapi.offline.awslambda.framing import write_frame

TICK_MS = 50
# Outside a PID namespace a full scan reads the stat of every process of the machine: the
# runtime's own memory is read each tick, its children's once a second.
_FULL_SCAN_TICKS = 20
_MB = 1024 * 1024


class MemoryWatch:
    """Resident memory of everything below the supervisor, against the function's MemorySize."""

    def __init__(self, supervisor: int, runtime: int, limit_mb: int | None) -> None:
        self._supervisor = supervisor
        self._runtime = runtime
        self._limit = limit_mb * _MB if limit_mb else None
        self._every_process = supervisor == 1  # alone in its namespace: a scan is cheap
        self._others = 0  # memory of the runtime's children, at the last full scan
        self._ticks = 0
        self.peak = 0
        self.killed = False

    def over(self) -> bool:
        if self._limit is None or not proctree.AVAILABLE:
            return False
        if self._every_process or self._ticks % _FULL_SCAN_TICKS == 0:
            others = proctree.descendants(self._supervisor)
            self._others = sum(proctree.rss_bytes(pid) for pid in others if pid != self._runtime)
        self._ticks += 1
        used = proctree.rss_bytes(self._runtime) + self._others
        self.peak = max(self.peak, used)
        self.killed = used > self._limit
        return self.killed

    @property
    def peak_mb(self) -> int:
        return math.ceil(self.peak / _MB)


def supervise(runtime: int, lifeline: int, status: int, limit_mb: int | None) -> NoReturn:
    me = os.getpid()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # only to wake the poll
    # Python's KeyboardInterrupt handler would let a function end its supervisor with SIGINT;
    # as process 1 of a namespace it is then immune to every signal sent from inside.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    poller = select.poll()
    poller.register(lifeline, select.POLLIN)
    poller.register(wake_r, select.POLLIN)
    memory = MemoryWatch(me, runtime, limit_mb)
    ended = None
    while ended is None:
        for fd, _ in poller.poll(TICK_MS):
            if fd == lifeline:  # the offline stack closed it: it is gone
                proctree.kill_descendants(me)
                os._exit(1)
            os.read(wake_r, 4096)
        ended = _collect(runtime)
        if ended is None and memory.over():
            proctree.kill_descendants(me)
    proctree.kill_descendants(me)  # what the runtime left running ends with it
    _collect(runtime)
    with contextlib.suppress(OSError):
        write_frame(status, {"status": ended, "oom": memory.killed, "peak_mb": memory.peak_mb})
    code = os.waitstatus_to_exitcode(ended)
    os._exit(code if code >= 0 else 128 - code)


def _collect(runtime: int) -> int | None:
    """Collect every child that has ended; the runtime's wait status if it is one of them."""
    ended = None
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return ended
        if pid == 0:
            return ended
        if pid == runtime:
            ended = status
