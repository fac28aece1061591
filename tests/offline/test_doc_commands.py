"""Every shell command of README.md and docs/*.md runs as written and exits 0, unless its block
says why not.

The comment before a block decides (tests/_markdown.py reads it): `<!-- aws-only -->` needs an
AWS account, `<!-- skip: reason -->` is not run for the reason given, `<!-- background -->` is a
server started before the page's other blocks and stopped after them. An unmarked block is run;
one that fails fails this test, so a command the docs show either works or says why it is not
run here.

Each page runs in a directory of its own that links to the checkout's files, so what the
commands write (.guestapi/, postman/, openapi.json, reports) stays out of the checkout. Three
things differ from a user's shell, each so that the test cannot disturb anything else:
- servers get a free port: PORT=0 for `make local`, `--port 0` for a `--port N` they name;
- `make` treats the virtualenv as built (`-o` its stamps): a test must never reinstall it;
- AWS credentials are fake and no AWS config is read, as in CI: nothing can reach an account.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from _markdown import PAGES, ROOT, ShellBlock, shell_blocks

pytestmark = [pytest.mark.offline, pytest.mark.slow]

# What the commands write; everything else of the checkout is linked into each page's directory.
WRITTEN = {".guestapi", "postman", "sdk", "openapi.json", "results.json", "results.xml", ".git"}
MAKE_STAMPS = "-o .venv/.runtime-installed -o .venv/.installed"
READY = "press Ctrl-C to stop"
START_TIMEOUT_S = 120.0
COMMAND_TIMEOUT_S = 600


def _runnable_pages() -> list[Path]:
    return [p for p in PAGES if any(b.mark in ("run", "background") for b in shell_blocks(p))]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PORT="0",
        SAM_CLI_TELEMETRY="0",
        AWS_ACCESS_KEY_ID="AKIDEXAMPLEFAKEDOCS0",
        AWS_SECRET_ACCESS_KEY="fake-secret-for-the-docs-test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        NO_COLOR="1",
    )
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    return env


def _as_run(command: str, *, background: bool = False) -> str:
    if command.startswith("make "):
        command = f"make {MAKE_STAMPS} {command[len('make ') :]}"
    if background:
        command = re.sub(r"--port \d+", "--port 0", command)
    return command


def _workdir(tmp_path: Path) -> Path:
    work = tmp_path / "checkout"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in WRITTEN:
            (work / entry.name).symlink_to(entry)
    return work


class _Server:
    def __init__(self, block: ShellBlock, work: Path, env: dict[str, str]) -> None:
        (command,) = block.commands  # one server per background block
        self.block = block
        self.log = work / f"server-{block.line}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                ["bash", "-c", _as_run(command, background=True)],
                cwd=work,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # make and its python: stopped together
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace")
            if READY in text:
                return
            if self.process.poll() is not None:
                pytest.fail(f"{self.block.where}: the server stopped: {text[-2000:]}")
            time.sleep(0.1)
        pytest.fail(f"{self.block.where}: not ready in {START_TIMEOUT_S} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def servers() -> Iterator[list[_Server]]:
    started: list[_Server] = []
    yield started
    for server in started:
        server.stop()


def _run_page(page: Path, work: Path, servers: list[_Server]) -> tuple[int, list[str]]:
    """Start the page's servers, run its other unmarked commands: (commands run, failures)."""
    env = _environment()
    blocks = shell_blocks(page)
    for block in blocks:
        if block.mark == "background":
            servers.append(_Server(block, work, env))
    for server in servers:
        server.wait_ready()
    ran, failures = 0, []
    for block in blocks:
        if block.mark != "run":
            continue
        for command in block.commands:
            done = subprocess.run(
                ["bash", "-c", _as_run(command)],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
            )
            ran += 1
            if done.returncode != 0:
                output = (done.stdout + done.stderr)[-3000:]
                failures.append(f"{block.where}: `{command}` exited {done.returncode}:\n{output}")
    return ran, failures


@pytest.mark.parametrize("page", _runnable_pages(), ids=lambda p: p.name)
def test_every_shell_command_of_the_page_runs(
    page: Path, tmp_path: Path, servers: list[_Server]
) -> None:
    ran, failures = _run_page(page, _workdir(tmp_path), servers)
    assert failures == []
    assert ran or servers, f"{page.name}: nothing ran"


def test_an_unmarked_command_that_fails_fails_the_check(
    tmp_path: Path, servers: list[_Server]
) -> None:
    # The control: marked blocks are not run (each would fail), an unmarked failure is reported.
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- aws-only -->\n```sh\nexit 3\n```\n\n"
        "<!-- skip: shows what a user would type -->\n```sh\nexit 4\n```\n\n"
        "```sh\ntrue\nfalse  # an unmarked command that fails\n```\n",
        encoding="utf-8",
    )
    work = tmp_path / "work"
    work.mkdir()
    ran, failures = _run_page(page, work, servers)
    assert ran == 2
    assert len(failures) == 1
    assert failures[0].startswith("page.md:11: ")  # the block's opening fence
    assert "`false  # an unmarked command that fails` exited 1" in failures[0]
