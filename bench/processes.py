"""Stopping the servers a benchmark started."""

from __future__ import annotations

import signal
import subprocess


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (a clean uvicorn shutdown), then SIGKILL if it has not exited within 10 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
