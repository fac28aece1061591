"""The package stands on its own: build the wheel, install it into a temporary venv, and run
its console scripts from a directory outside the checkout.

Offline by construction: the wheel is built with `--no-build-isolation --no-index` (the
backend is the project venv's setuptools), and the temporary venv sees the project venv's
packages through a .pth file for the dependencies, with the wheel itself installed with
`--no-deps`. So nothing is downloaded, and `guestapi` is imported from the wheel: the
editable install's path hook lives in a .pth file of the project venv, which a directory added
by another .pth file never runs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.packaging, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
# What a source distribution of the project holds: the build reads nothing else.
SOURCES = ("pyproject.toml", "README.md", "template.yaml", "events", "functions", "web", "src")
DATA = "guestapi/data"
WEB_FILES = ("index.html", "styles.css")
START_TIMEOUT = 60.0


def _run(command: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=300, **kwargs
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _scenarios() -> list[Path]:
    return sorted((REPO / "events").glob("*.json"))


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("packaging")


@pytest.fixture(scope="module")
def wheel(work: Path) -> Path:
    # Built from a copy: a build writes build/ and *.egg-info beside its sources, and the
    # checkout is shared with the editable install. Symlinks stay symlinks, as in a checkout.
    tree = work / "tree"
    tree.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "node_modules")
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tree / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, tree / name)
    dist = work / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            dist,
            tree,
        ]
    )
    (built,) = dist.glob("guestapi-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(work: Path, wheel: Path) -> Path:
    """A venv with the wheel installed and the project venv's packages visible."""
    root = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", root])
    python = root / "bin" / "python"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--no-deps",
            "--no-index",
            wheel,
        ]
    )
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    ours = sysconfig.get_paths()
    deps = dict.fromkeys([ours["purelib"], ours["platlib"]])  # one line each, in order
    (Path(site.stdout.strip()) / "_project_venv_deps.pth").write_text(
        "".join(f"{path}\n" for path in deps), encoding="utf-8"
    )
    return root


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory outside the checkout, with no template.yaml or events/ in it."""
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    return cwd


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


# -- the wheel's contents ------------------------------------------------------------------


def test_wheel_holds_the_files_not_links_to_the_checkout(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        infos = {info.filename: info for info in archive.infolist()}

        def content(name: str) -> bytes:
            info = infos[f"{DATA}/{name}"]
            # A symlink in a zip carries S_IFLNK in the top bits; the file must be copied in.
            assert not stat.S_ISLNK(info.external_attr >> 16), f"{name} is a symlink"
            return archive.read(info)

        assert content("template.yaml") == (REPO / "template.yaml").read_bytes()
        for scenario in _scenarios():
            assert content(f"events/{scenario.name}") == scenario.read_bytes()
        for name in WEB_FILES:
            assert content(f"web/{name}") == (REPO / "web" / name).read_bytes()
        bundle = REPO / "web" / "dist" / "app.js"
        if bundle.is_file():  # built by `make web` (CI does, before the tests)
            assert content("web/dist/app.js") == bundle.read_bytes()
        # Only what the page server serves: no sources of the bundle.
        assert not [name for name in infos if name.startswith(f"{DATA}/web/src/")]
        (metadata,) = [name for name in infos if name.endswith(".dist-info/METADATA")]
        assert "License-Expression: MIT" in archive.read(metadata).decode()


def test_installed_package_finds_its_data_in_the_venv(venv: Path, elsewhere: Path) -> None:
    probe = (
        "import json, guestapi, guestapi.assets as a;"
        "print(json.dumps({'module': guestapi.__file__, 'template': str(a.template_path()),"
        " 'events': sorted(p.name for p in a.events_dir().glob('*.json')),"
        " 'web': str(a.web_dir())}))"
    )
    done = _run([venv / "bin" / "python", "-c", probe], cwd=elsewhere, env=_env())
    found = json.loads(done.stdout)
    for key in ("module", "template", "web"):
        assert Path(found[key]).is_relative_to(venv), f"{key} comes from {found[key]}"
    template = Path(found["template"])
    assert template.is_file() and not template.is_symlink()
    assert found["events"] == [path.name for path in _scenarios()]


# -- the console scripts, from a directory outside the checkout ------------------------------


def test_local_help(venv: Path, elsewhere: Path) -> None:
    done = _run([venv / "bin" / "guestapi-local", "--help"], cwd=elsewhere, env=_env())
    assert "--template" in done.stdout
    # A console script names itself, as the user typed it, not the checkout's script.
    assert done.stdout.startswith("usage: guestapi-local ")
    refused = subprocess.run(
        [venv / "bin" / "guestapi-local", "--region", "eu-wst-1"],
        capture_output=True, text=True, cwd=elsewhere, env=_env(), timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.startswith("guestapi-local: region 'eu-wst-1' is not an AWS region")


@pytest.fixture
def local_stack(venv: Path, elsewhere: Path) -> Iterator[Path]:
    """`guestapi-local --template <repo>/template.yaml --port 0`; yields its outputs file."""
    outputs = elsewhere / "outputs.json"
    command = [
        venv / "bin" / "guestapi-local",
        "--template",
        REPO / "template.yaml",
        "--port",
        "0",
        "--outputs-file",
        outputs,
        "--quiet",
    ]
    server = subprocess.Popen(
        [str(part) for part in command],
        cwd=elsewhere,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not outputs.is_file():  # written (atomically) once the port is bound
            if server.poll() is not None:
                pytest.fail(f"guestapi-local exited {server.returncode}: {server.stderr.read()}")
            assert time.monotonic() < deadline, "guestapi-local did not start"
            time.sleep(0.1)
        yield outputs
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0, server.stderr.read()
        assert "Traceback" not in server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        server.stderr.close()


def test_check_and_call_against_local(local_stack: Path, venv: Path, elsewhere: Path) -> None:
    report = elsewhere / "results.json"
    done = subprocess.run(
        [
            str(venv / "bin" / "guestapi-check"),
            "--outputs-file",
            str(local_stack),
            "--json",
            str(report),
        ],
        cwd=elsewhere,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(report.read_text(encoding="utf-8"))
    # The scenarios came from the wheel's package data: as many as events/ in the repository,
    # beside the rows derived from the API (GetResources) and the IAM probes.
    names = {r["scenario"] for r in results["results"]}
    shipped = {n for n in names if not n.startswith(("gen-", "iam-"))}
    assert shipped == {p.stem for p in _scenarios()} and shipped
    assert {"gen-GET-/demo", "iam-allows-GET-/demo"} <= names
    assert results["failed"] == 0

    call = _run(
        [venv / "bin" / "guestapi-call", "--outputs-file", local_stack, "GET", "/demo"],
        cwd=elsewhere,
        env=_env(),
    )
    assert call.stdout.splitlines()[0] == "HTTP 200 OK"


def test_demo_with_attested_installs_from_the_wheel(venv: Path, elsewhere: Path) -> None:
    # The attestation function's code and the attested scenarios ship in the package: the
    # enforce-mode demo runs from a directory with no checkout in it.
    done = _run(
        [venv / "bin" / "guestapi-demo", "--attestation-mode", "enforce"], cwd=elsewhere, env=_env()
    )
    assert "proven: the attested install reaches GET /demo" in done.stdout
    assert "attest-forged-untrusted-root" in done.stdout
