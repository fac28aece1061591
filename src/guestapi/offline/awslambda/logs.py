"""A sandbox's output, forwarded to the offline stack's log one line at a time.

Each line is logged as `[<function name> <request id>] <line>` on the `guestapi.offline.lambda`
logger. The function's code writes these lines, so they are treated as hostile: its own
credentials are redacted, control characters escaped (no forged lines, no terminal escapes),
and a line is cut at MAX_LOG_LINE characters, read in bounded pieces so that a function printing
megabytes without a newline cannot make the offline stack buffer them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import IO

log = logging.getLogger("guestapi.offline.lambda")

MAX_LOG_LINE = 2000
REDACTED = "<redacted>"


def clean_log_line(line: str, secrets: Sequence[str]) -> str:
    # Redact before cutting: a secret cut in half would no longer match.
    for secret in secrets:
        if secret:
            line = line.replace(secret, REDACTED)
    if len(line) > MAX_LOG_LINE:
        line = line[:MAX_LOG_LINE] + " [line cut]"
    # Tabs stay: Lambda's own log format uses them, and they cannot start a line.
    return "".join(ch if ch.isprintable() or ch == "\t" else repr(ch)[1:-1] for ch in line)


class LogForwarder:
    """Reads one sandbox's stdout (stderr merged in) on a daemon thread until it closes.

    `marker` is the line the worker writes after each invocation's output: reaching it calls
    `on_marker`, so the sandbox knows every line of that invocation has been logged under its
    request id before it takes the next one.
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        label: Callable[[], str],
        secrets: Sequence[str],
        marker: bytes,
        on_marker: Callable[[], None],
    ) -> None:
        self._stream = stream
        self._label = label
        self._secrets = tuple(s for s in secrets if s)
        self._marker = marker
        self._on_marker = on_marker
        # Room for a whole MAX_LOG_LINE of 4-byte characters plus a secret that starts inside it.
        self._read_limit = 4 * MAX_LOG_LINE + max((len(s) for s in self._secrets), default=0) + 2
        self.thread = threading.Thread(target=self._run, name="lambda-log", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        skipping = False  # inside the unread rest of an over-long line
        while chunk := self._stream.readline(self._read_limit):
            # readline stops at the limit, or at the end of output for a last line without \n.
            cut = len(chunk) >= self._read_limit and not chunk.endswith(b"\n")
            if not skipping:
                self._line(chunk, cut)
            skipping = cut
        self._stream.close()

    def _line(self, chunk: bytes, cut: bool) -> None:
        if chunk == self._marker:
            self._on_marker()
            return
        text = chunk.rstrip(b"\n").decode("utf-8", errors="replace")
        line = clean_log_line(text, self._secrets)
        if cut and not line.endswith(" [line cut]"):
            line += " [line cut]"
        log.info("[%s] %s", self._label(), line)
