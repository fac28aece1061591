"""What the figures were measured on: cores, CPU, Python and the versions of what was measured."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import wrk_runner

PACKAGES = (
    "botocore",
    "requests-aws4auth",
    "awscrt",
    "requests",
    "uvicorn",
    "uvloop",
    "httptools",
    "aws-sam-translator",
    "airspeed",
)


@dataclass(frozen=True)
class Machine:
    nproc: int
    cpu_model: str
    python: str
    system: str
    packages: dict[str, str]
    wrk: str
    load_average: tuple[float, float, float]  # at the start of the run: others on the machine
    commit: str
    when: str


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        )
    except OSError:  # no git on PATH: the figures are still worth writing
        return "unknown"
    return out.stdout.strip() or "unknown"


def describe(root: Path) -> Machine:
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = "not installed"
    try:
        wrk = wrk_runner.wrk_version()
    except wrk_runner.WrkMissing:
        wrk = "not installed"
    return Machine(
        nproc=len(os.sched_getaffinity(0)),  # what `nproc` prints
        cpu_model=_cpu_model(),
        python=platform.python_version(),
        system=f"{platform.system()} {platform.release()} {platform.machine()}",
        packages=packages,
        wrk=wrk,
        load_average=os.getloadavg(),
        commit=_commit(root),
        when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
