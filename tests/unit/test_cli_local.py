"""local.py's argument errors: one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from guestapi.cli import local


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--port", "99999"], "--port"),
        (["--port", "-1"], "--port"),
        (["--port", "65536"], "--port"),
        (["--port", "0", "--web-port", "99999"], "--web-port"),
        (["--port", "0", "--web-port", "-1"], "--web-port"),
    ],
)
def test_port_out_of_range_is_one_line(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # socket.bind raises OverflowError (not OSError) for these: it used to escape as a traceback.
    assert local.main([*argv, "--quiet"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert named in captured.err
    assert "0-65535" in captured.err
    assert captured.out == ""  # no outputs JSON for a stack that never started


def test_port_range_limits_are_accepted() -> None:
    assert local.port_number("--port", 0) == 0
    assert local.port_number("--port", 65535) == 65535


@pytest.mark.parametrize("broken", ["missing-parent", "garbage-root"])
def test_an_unusable_attestation_test_root_is_one_line(
    broken: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "no" / "such" / "dir" if broken == "missing-parent" else tmp_path
    if broken == "missing-parent":
        (tmp_path / "no").write_text("a file where a directory must go")
    else:
        (tmp_path / "root.pem").write_text("not a certificate")
    argv = ["--port", "0", "--quiet", "--attestation-test-root", str(directory),
            "--parameter-overrides", "AttestationMode=enforce"]  # fmt: skip
    assert local.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith(f"local.py: --attestation-test-root {directory}: ")
    assert captured.out == ""  # nothing started, no outputs


def test_attestation_without_its_extra_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As in an install without `guestapi[attestation]`: the import of pyattest fails.
    monkeypatch.setitem(sys.modules, "pyattest", None)
    argv = ["--port", "0", "--quiet", "--attestation-test-root", str(tmp_path / "root")]
    assert local.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "pip install 'guestapi[attestation]'" in err
    assert not (tmp_path / "root").exists()  # nothing made
