"""Debian's `wrk` as the load generator: C, its own process, its own core.

Results come from a Lua `done()` hook that prints one JSON line, not from scraping wrk's text.
wrk counts every answer outside 2xx/3xx as a status error: in these runs every request is one
that must succeed, so a status error is a wrong answer (or a throttled one).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_DONE = """
done = function(summary, latency, requests)
  io.write("WRK_JSON ")
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
"""


class WrkMissing(RuntimeError):
    """wrk is not installed (Debian: apt-get install -y wrk)."""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    status_errors: int  # answers outside 2xx/3xx
    socket_errors: int  # connect + read + write + timeout

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0


def wrk_version() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing("wrk is not installed: apt-get install -y wrk")
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0].split(" Copyright")[0].strip()


def _lua(method: str, headers: Mapping[str, str], body: str | None) -> str:
    lines = [f'wrk.method = "{method}"']
    for name, value in headers.items():
        lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    return "\n".join(lines) + "\n" + _DONE


def run(
    url: str,
    *,
    connections: int,
    duration_s: float,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
) -> WrkResult:
    """One wrk run: one thread (the other core is the server's), `connections` keep-alive sockets."""
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing("wrk is not installed: apt-get install -y wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(_lua(method, headers or {}, body))
        script = Path(handle.name)
    try:
        command = [
            path,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration_s))}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url,
        ]
        out = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=duration_s + 30
        )
    finally:
        script.unlink(missing_ok=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    data = json.loads(line[len("WRK_JSON ") :])
    return WrkResult(
        requests=data["requests"],
        duration_s=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        status_errors=data["status"],
        socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
    )
