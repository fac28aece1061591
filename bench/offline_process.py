"""The offline stack as its own process (`scripts/local.py`), as a user starts it.

The load generator must not share a GIL (or an event loop) with the server it measures, so the
benchmarks never use the in-process `serve()` for throughput or memory: they start
`scripts/local.py --port 0 --outputs-file F --quiet` and read the outputs file it writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from samtranslator.yaml_helper import yaml_parse

from processes import answers, stop

ROOT = Path(__file__).resolve().parent.parent
LOCAL_SCRIPT = ROOT / "scripts" / "local.py"
TEMPLATE = ROOT / "template.yaml"
# Stage throttle raised: the template's default (10 req/s, burst 20) would turn a benchmark
# into a measurement of the throttle. These are the parameters' maximums in template.yaml.
HIGH_THROTTLE = {"ThrottlingRateLimit": "10000", "ThrottlingBurstLimit": "5000"}
# Those maximums are API Gateway's default account quota, and the stack answers the open route
# faster than 10,000 req/s: the throughput runs use a copy of the template whose two maximums
# are lifted (see unthrottled_template), so that they measure the server, not 429s. The token
# bucket is still consulted on every request.
UNTHROTTLED = {"ThrottlingRateLimit": "1000000", "ThrottlingBurstLimit": "1000000"}
START_TIMEOUT_S = 30.0


def unthrottled_template(directory: Path, source: Path = TEMPLATE) -> Path:
    """`source` (template.yaml by default) as JSON in `directory`, the throttle parameters'
    MaxValue raised to UNTHROTTLED; nothing else changes. A template with functions keeps
    working: its CodeUri directories are linked next to the copy."""
    document = yaml_parse(source.read_text(encoding="utf-8"))
    for name, value in UNTHROTTLED.items():
        declaration = document["Parameters"][name]
        if "MaxValue" not in declaration:
            raise OfflineStartError(f"{source.name}: parameter {name} has no MaxValue to raise")
        declaration["MaxValue"] = int(value)
    for entry in source.parent.iterdir():
        if entry.is_dir() and not (directory / entry.name).exists():
            (directory / entry.name).symlink_to(entry)
    path = directory / "template-unthrottled.json"
    path.write_text(json.dumps(document, default=str), encoding="utf-8")
    return path


class OfflineStartError(RuntimeError):
    """scripts/local.py exited or wrote no outputs in time."""


@dataclass
class OfflineProcess:
    process: subprocess.Popen[bytes]
    outputs: dict[str, str]
    outputs_s: float  # spawn -> outputs file written (port bound, stack deployed)
    first_answer_s: float  # spawn -> first HTTP answer from the server

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> int:
        """Resident set size of the server process, from /proc (Linux)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise OfflineStartError(f"no VmRSS for pid {self.pid}")


def _wait_for_outputs(process: subprocess.Popen[bytes], path: Path, deadline: float) -> dict:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise OfflineStartError(f"scripts/local.py exited with {process.returncode}")
        if path.exists():
            return json.loads(path.read_text())  # written atomically (write + rename)
        time.sleep(0.005)
    raise OfflineStartError("scripts/local.py wrote no outputs in time")


@contextmanager
def start_offline(
    overrides: Mapping[str, str] | None = None,
    *,
    template: Path | None = None,
) -> Iterator[OfflineProcess]:
    """Start scripts/local.py on a free loopback port; stop it (SIGTERM, then SIGKILL) on exit."""
    with tempfile.TemporaryDirectory(prefix="guestapi-bench-") as tmp:
        outputs_file = Path(tmp) / "outputs.json"
        command = [
            sys.executable,
            str(LOCAL_SCRIPT),
            "--port",
            "0",
            "--outputs-file",
            str(outputs_file),
            "--quiet",
        ]
        if template is not None:
            command += ["--template", str(template)]
        if overrides:
            command += ["--parameter-overrides", *(f"{k}={v}" for k, v in overrides.items())]
        stderr_path = Path(tmp) / "stderr.log"
        with stderr_path.open("wb") as stderr:
            start = time.monotonic()
            process = subprocess.Popen(
                command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr, env=dict(os.environ)
            )
            try:
                deadline = start + START_TIMEOUT_S
                try:
                    outputs = _wait_for_outputs(process, outputs_file, deadline)
                    outputs_s = time.monotonic() - start
                    # Any HTTP answer (the unsigned GET gets a 403) means it serves.
                    if not answers(outputs["ApiUrl"] + "/demo", deadline):
                        raise OfflineStartError("the offline stack did not answer in time")
                    first_answer_s = time.monotonic() - start
                except OfflineStartError as exc:
                    tail = stderr_path.read_text(errors="replace")[-2000:]
                    raise OfflineStartError(f"{exc}; its stderr ends with:\n{tail}") from None
                yield OfflineProcess(process, outputs, outputs_s, first_answer_s)
            finally:
                stop(process)
