"""A warm sandbox: one worker process of one function, with its log forwarded line by line.

Isolation by process, as Lambda isolates each execution environment: a handler that crashes,
calls `sys.exit`, leaks memory or never returns takes down its own worker, never the offline
stack. A worker serves one invocation at a time and stays warm between them, so the import cost
(boto3 alone is ~0.2 s) is paid once per sandbox, as on Lambda, not once per request.
"""

from __future__ import annotations

import logging
import os
import secrets
import select
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any

from guestapi.offline.awslambda.framing import read_frame, write_frame

log = logging.getLogger("guestapi.offline.lambda")

# Log lines are cut here and control characters escaped: a function must not be able to flood
# the offline stack's log or forge lines in it.
MAX_LOG_LINE = 2000
# How long an answer waits for its log lines to be forwarded (they normally are within a ms).
LOG_DRAIN_TIMEOUT_S = 1.0
_REDACTED = "<redacted>"


class SandboxGone(Exception):
    """The worker died (exit, signal) before it answered."""

    def __init__(self, returncode: int | None) -> None:
        super().__init__(f"exit status {returncode}")
        self.returncode = returncode


class SandboxTimeout(Exception):
    """The invocation outlived its deadline; the worker has been killed."""


def clean_log_line(line: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            line = line.replace(secret, _REDACTED)
    if len(line) > MAX_LOG_LINE:
        line = line[:MAX_LOG_LINE] + f"... ({len(line) - MAX_LOG_LINE} more characters)"
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in line)


class Sandbox:
    def __init__(
        self,
        *,
        function_name: str,
        code_dir: str,
        env: Mapping[str, str],
        secrets: Sequence[str],
        expires_at: float,
    ) -> None:
        request_r, self._request_w = os.pipe()
        self._result_r, result_w = os.pipe()
        self.function_name = function_name
        self.expires_at = expires_at  # monotonic time its credentials stop being valid
        self._secrets = tuple(secrets)
        self._in_flight = "init"
        self._closed = False
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "guestapi.offline.awslambda.worker",
                str(request_r),
                str(result_w),
            ],
            cwd=code_dir,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(request_r, result_w),
            text=True,
            errors="replace",
        )
        os.close(request_r)
        os.close(result_w)
        self._markers: tuple[str, list[threading.Event]] = ("", [])
        for index, stream in enumerate((self._process.stdout, self._process.stderr)):
            threading.Thread(target=self._forward, args=(stream, index), daemon=True).start()

    def invoke(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Run one invocation; raises SandboxTimeout or SandboxGone.

        It returns once the invocation's output lines have reached the log too: the worker
        ends each invocation by printing a per-call marker to stdout and stderr, and the
        forwarding threads report when they read it, so no line of this call is logged after
        its answer (or under the next call's request id).
        """
        self._in_flight = request["request_id"]
        marker = f"guestapi-end-{secrets.token_hex(8)}"
        drained = [threading.Event(), threading.Event()]
        self._markers = (marker, drained)
        try:
            write_frame(self._request_w, {**request, "marker": marker})
        except (BrokenPipeError, OSError):
            raise SandboxGone(self._process.wait()) from None
        ready, _, _ = select.select([self._result_r], [], [], timeout_s)
        if not ready:
            self.kill()
            raise SandboxTimeout()
        result = read_frame(self._result_r)
        if result is None:
            raise SandboxGone(self._process.wait())
        for event in drained:
            event.wait(LOG_DRAIN_TIMEOUT_S)
        return result

    def alive(self) -> bool:
        return self._process.poll() is None

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        if not self._closed:  # once only: a closed fd number may already be someone else's
            self._closed = True
            os.close(self._request_w)
            os.close(self._result_r)

    def _forward(self, stream: IO[str] | None, index: int) -> None:
        assert stream is not None
        for line in stream:
            line = line.rstrip("\n")
            marker, drained = self._markers
            ended = bool(marker) and line.endswith(marker)
            if ended:  # output left without a newline shares the marker's line
                line = line[: -len(marker)]
            if line or not ended:
                text = clean_log_line(line, self._secrets)
                log.info("[%s %s] %s", self.function_name, self._in_flight, text)
            if ended:
                drained[index].set()

    def __repr__(self) -> str:  # the environment holds credentials: never show it
        return f"Sandbox({self.function_name!r}, pid={self._process.pid})"


def monotonic_deadline(seconds_from_now: float) -> float:
    return time.monotonic() + seconds_from_now
