"""How long a new user waits for the first `make demo`, and how much it installs.

Clones this repository (its committed HEAD) into a temporary directory and, there, times
`make demo` (creates .venv from requirements-runtime.lock, then runs the demo) and then
`make install` (adds the dev tools from requirements.lock). Prints the wall times, the package
counts and the size of .venv after each. Needs the package index (PyPI or a mirror); pip's cache
is used as a returning user's would be, unless --no-cache.

    python3 bench/fresh_clone.py [--no-cache] [--write]

`--write` puts the figures in docs/benchmarks.md, section "First run from a fresh clone"
(`bench/run.py` keeps that section when it rewrites the rest).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sections
from machine import describe

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "benchmarks.md"


def _size_mib(path: Path) -> float:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20
    )


def _packages(venv: Path) -> int:
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return len([line for line in out.splitlines() if "==" in line or " @ " in line])


def _machine() -> str:
    m = describe(ROOT)
    return f"{m.when}, commit {m.commit}, {m.nproc} cores, Python {m.python}"


def _timed_make(target: str, cwd: Path, env: dict[str, str]) -> float:
    started = time.monotonic()
    done = subprocess.run(["make", target], cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        sys.exit(f"fresh_clone.py: make {target} failed ({done.returncode}):\n{tail}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-cache", action="store_true", help="PIP_NO_CACHE_DIR=1: download all")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.no_cache:
        env["PIP_NO_CACHE_DIR"] = "1"
    work = Path(tempfile.mkdtemp(prefix="guestapi-fresh-"))
    clone = work / "guest-api"
    try:
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        demo = _timed_make("demo", clone, env)
        venv = clone / ".venv"
        runtime = (_packages(venv), _size_mib(venv))
        install = _timed_make("install", clone, env)
        full = (_packages(venv), _size_mib(venv))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cache = "no pip cache" if args.no_cache else "pip cache as left by earlier installs"
    rows = [
        ("`make demo` (runtime install + demo)", demo, *runtime),
        ("then `make install` (adds the dev tools)", install, *full),
    ]
    print(f"fresh clone, {cache}")
    for label, seconds, count, mib in rows:
        print(f"{label:42} {seconds:6.1f} s  {count:4d} packages  {mib:6.0f} MiB")
    if args.write:
        body = "\n".join(
            [
                sections.FRESH_CLONE,
                "",
                f"`python3 bench/fresh_clone.py{' --no-cache' if args.no_cache else ''} --write` "
                f"({_machine()}, {cache}): a clone of HEAD, then",
                "`make demo` (creates `.venv` from `requirements-runtime.lock` and runs the demo), "
                "then `make install`.",
                "",
                "| step | wall time | packages in .venv | .venv size |",
                "| --- | --- | --- | --- |",
                *(f"| {label} | {s:.1f} s | {n} | {m:.0f} MiB |" for label, s, n, m in rows),
                "",
                "",
            ]
        )
        REPORT.write_text(
            sections.splice(REPORT.read_text(encoding="utf-8"), sections.FRESH_CLONE, body)
        )
        print(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
