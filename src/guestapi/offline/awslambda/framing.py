"""Length-prefixed JSON frames between the offline stack and a function's worker process.

A private pipe pair carries them, not stdin/stdout: whatever the handler prints is its log, as
on Lambda, and must never be mistaken for a result. The reader takes a deadline (the function's
timeout) and a size limit, because the other end runs the function's code: it may hang halfway
through a frame or write garbage to the pipe, and neither may block or exhaust the offline stack.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

_HEADER = struct.Struct(">I")


class FrameError(Exception):
    """The bytes on the pipe are not a frame of this protocol (too large, not JSON)."""


class FrameTimeout(Exception):
    """The deadline passed before a whole frame arrived."""


def encode_frame(message: Any) -> bytes:
    return frame_bytes(json.dumps(message, separators=(",", ":")).encode())


def frame_bytes(data: bytes) -> bytes:
    """A frame around already-encoded JSON (the worker splices a marshalled result in)."""
    return _HEADER.pack(len(data)) + data


def write_frame(fd: int, message: Any) -> None:
    write_all(fd, encode_frame(message))


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_frame(fd: int, *, deadline: float | None = None, max_size: int | None = None) -> Any:
    """The next message, or None when the other side closed the pipe.

    `deadline` is a `time.monotonic()` value; past it, FrameTimeout. A frame announcing more
    than `max_size` bytes, or holding something other than JSON, is a FrameError.
    """
    header = _read_exactly(fd, _HEADER.size, deadline)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if max_size is not None and size > max_size:
        raise FrameError(f"a frame of {size} bytes, over the {max_size} allowed")
    data = _read_exactly(fd, size, deadline)
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError as exc:
        raise FrameError(f"a frame that is not JSON: {exc}") from None


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks = []
    while size:
        if deadline is not None and not _readable(fd, deadline):
            raise FrameTimeout()
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _readable(fd: int, deadline: float) -> bool:
    # poll, not select: a busy server's descriptors may be numbered past select's 1024 limit.
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(0, int((deadline - time.monotonic()) * 1000) + 1)))
