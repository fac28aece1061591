"""Waiting for the servers a benchmark started, and stopping them."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.error
import urllib.request


def answers(url: str, deadline: float) -> bool:
    """Whether `url` gives any HTTP answer (an error status counts) before `deadline`."""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.005)
    return False


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
