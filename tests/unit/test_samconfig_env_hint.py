"""An unknown samconfig environment names the Makefile's ENV= as well as --config-env."""

from __future__ import annotations

from pathlib import Path

import pytest

from guestapi.samconfig import SamConfigError, stack_settings


def test_unknown_env_names_make_env_and_the_script_flag(repo_root: Path) -> None:
    with pytest.raises(SamConfigError) as caught:
        stack_settings(repo_root / "samconfig.toml", "staging")
    message = str(caught.value)
    assert "`make deploy ENV=NAME`" in message and "--config-env NAME" in message
