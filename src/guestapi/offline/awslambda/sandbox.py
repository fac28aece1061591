"""A warm sandbox: one worker process of one function, and the pipes to talk to it.

Isolation by process, as Lambda isolates each execution environment: a handler that crashes,
exits, leaks or never returns takes down its own worker, never the offline stack. It runs in its
own session (a signal to its process group or a Ctrl-C reaches only itself), in a PID namespace
where the machine allows it (isolation.py), under a supervisor (supervisor.py), and stays warm
between invocations, so the import cost is paid once per sandbox, as on Lambda. Four pipes:
requests in, results out, a lifeline only the offline stack holds (when it closes, the
supervisor ends the sandbox) and the supervisor's status report.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from guestapi.offline.awslambda import proctree
from guestapi.offline.awslambda.framing import (
    FrameError,
    FrameTimeout,
    read_frame,
    write_frame,
)
from guestapi.offline.awslambda.isolation import Isolation, detect
from guestapi.offline.awslambda.logs import LogForwarder

# A result frame holds at most Lambda's 6 MB response (the worker refuses more) and its
# envelope; anything larger on the pipe is not the runtime talking.
MAX_RESULT_FRAME = 8 * 1024 * 1024
_PIPE_SIZE = 1024 * 1024
_WORKER = (sys.executable, "-m", "guestapi.offline.awslambda.worker")
# How long an invocation's last log lines may take to reach the log after its result.
_LOG_DRAIN_S = 2.0


def _widen(fd: int) -> None:
    """A 1 MB pipe instead of 64 KB: a large event or result crosses in one write, not in
    a dozen wake-ups of the two processes (Linux only; elsewhere the default stays)."""
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)


class SandboxGone(Exception):
    """The worker died (exit, signal) or broke the protocol before it answered. `oom`: its
    supervisor killed it for going past MemorySize; `peak_mb`: the most memory it saw used."""

    def __init__(self, returncode: int | None, *, oom: bool = False, peak_mb: int = 0) -> None:
        super().__init__(exit_description(returncode))
        self.returncode = returncode
        self.oom = oom
        self.peak_mb = peak_mb


class SandboxTimeout(Exception):
    """The deadline passed before the worker answered. The worker is still running."""


def exit_description(returncode: int | None) -> str:
    """How Lambda words a runtime's end: "exit status 3", "signal: killed" (Go's wording for
    the process state, as Lambda's Runtime.ExitError messages show it)."""
    if returncode is None or returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = signal.strsignal(-returncode) or f"signal {-returncode}"
    except ValueError:
        name = f"signal {-returncode}"
    return f"signal: {name.lower()}"


class Sandbox:
    def __init__(
        self,
        *,
        function_name: str,
        code_dir: str,
        env: Mapping[str, str],
        secrets_to_redact: Sequence[str],
        expires_at: float,
        request_id: str,
        isolation: Isolation | None = None,
    ) -> None:
        self.function_name = function_name
        self._isolation = isolation or detect()
        self.expires_at = expires_at  # monotonic time after which it must not take invocations
        self.request_id = request_id  # the invocation its output belongs to
        self._drained = threading.Event()
        self._closed = False
        marker = f"\x1eguestapi-lambda-end-{secrets.token_hex(8)}"
        request_r, self._request_w = os.pipe()
        self._result_r, result_w = os.pipe()
        lifeline_r, self._lifeline_w = os.pipe()  # never written: only its closing counts
        self._status_r, status_w = os.pipe()
        for fd in (self._request_w, result_w):
            _widen(fd)
        theirs = (request_r, result_w, lifeline_r, status_w)
        try:
            self._process = subprocess.Popen(
                [*self._isolation.prefix, *_WORKER, *map(str, theirs), marker],
                cwd=code_dir,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,  # one stream, in the order it was written
                pass_fds=theirs,
                start_new_session=True,
            )
        except BaseException:
            for fd in self._ours():
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        assert self._process.stdout is not None
        self._log = LogForwarder(
            self._process.stdout,
            label=lambda: f"{self.function_name} {self.request_id}",
            secrets=secrets_to_redact,
            marker=marker.encode() + b"\n",
            on_marker=self._drained.set,
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    def wait_ready(self, deadline: float) -> dict[str, Any] | None:
        """Wait for the handler's import: None when ready, else Lambda's init error."""
        answer = self._read(deadline)
        if not answer.get("ready"):
            self._wait_drained()
            error = answer.get("error")
            return error if isinstance(error, dict) else {"errorType": "Runtime.Unknown"}
        self._wait_drained()
        return None

    def invoke(self, request: dict[str, Any], deadline: float) -> dict[str, Any]:
        """Run one invocation; raises SandboxTimeout (the worker still runs) or SandboxGone."""
        self.request_id = request["request_id"]
        self._drained.clear()
        try:
            write_frame(self._request_w, request)
        except OSError:  # the worker is gone: EPIPE
            raise self._gone() from None
        answer = self._read(deadline)
        self._wait_drained()
        return answer

    def alive(self) -> bool:
        return self._process.poll() is None

    def kill(self) -> None:
        """Stop the sandbox and every process in it; thread-safe, idempotent.

        Its process group is killed (its own session: pgid == pid). In a PID namespace that
        kills the namespace's first process, and the kernel kills the rest, however they
        detached. Without one, everything below the supervisor is killed first, while it is
        alive to hold the orphans.

        Its pipes stay open: a thread may still be reading them, and closing a descriptor
        under it would let a new file take its number. The owner calls close() afterwards.
        """
        if self._process.poll() is None:
            if not self._isolation.namespaced:
                proctree.kill_descendants(self._process.pid)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)

    def close(self) -> None:
        """Kill the worker, reap it and release its pipes; by the thread that owns the sandbox."""
        self.kill()
        self._process.wait()
        if not self._closed:
            self._closed = True
            for fd in self._ours():
                os.close(fd)
        self._log.thread.join(timeout=_LOG_DRAIN_S)

    def _ours(self) -> tuple[int, ...]:
        return (self._request_w, self._result_r, self._lifeline_w, self._status_r)

    def _read(self, deadline: float) -> dict[str, Any]:
        try:
            answer = read_frame(self._result_r, deadline=deadline, max_size=MAX_RESULT_FRAME)
        except FrameTimeout:
            raise SandboxTimeout() from None
        except (FrameError, OSError):
            self.kill()  # the function wrote to the runtime's pipe: it is no runtime any more
            raise SandboxGone(self._process.wait()) from None
        if answer is None:  # end of file: the worker has exited, or is exiting
            raise self._gone()
        if not isinstance(answer, dict):
            self.kill()
            raise SandboxGone(self._process.wait())
        return answer

    def _gone(self) -> SandboxGone:
        """How the runtime ended (it closed its end: it is exiting): its supervisor's report,
        or, when the supervisor itself was killed, the sandbox's exit status."""
        try:
            returncode = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            returncode = self._process.wait()
        try:
            report = read_frame(self._status_r, deadline=time.monotonic(), max_size=4096)
        except (FrameError, FrameTimeout, OSError):
            report = None
        try:
            ended = os.waitstatus_to_exitcode(report["status"])
        except (TypeError, ValueError, KeyError):  # no report (or not one of the supervisor's)
            return SandboxGone(returncode)
        peak = report.get("peak_mb")
        return SandboxGone(
            ended, oom=report.get("oom") is True, peak_mb=peak if isinstance(peak, int) else 0
        )

    def _wait_drained(self) -> None:
        self._drained.wait(_LOG_DRAIN_S)
        self._drained.clear()

    def __repr__(self) -> str:  # its environment holds credentials: never show it
        return f"Sandbox({self.function_name!r}, pid={self._process.pid})"
