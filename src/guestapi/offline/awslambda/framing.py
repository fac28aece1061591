"""Length-prefixed JSON frames between the offline stack and a function's worker process.

A private pipe pair carries them, not stdin/stdout: whatever the handler prints is its log, as
on Lambda, and must never be mistaken for a result.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

_HEADER = struct.Struct(">I")


def write_frame(fd: int, message: Any) -> None:
    data = json.dumps(message, separators=(",", ":")).encode()
    _write_all(fd, _HEADER.pack(len(data)) + data)


def read_frame(fd: int) -> Any | None:
    """The next message, or None when the other side closed the pipe."""
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    data = _read_exactly(fd, size)
    return None if data is None else json.loads(data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
