"""Finding the command-line tools the project drives (sam, cfn-lint, checkov).

`make install` puts them in the project virtualenv, which need not be on PATH (the Makefile
calls .venv/bin/python directly), so look next to the running interpreter first.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from guestapi.errors import GuestApiError


class ToolNotFoundError(GuestApiError):
    """A required command-line tool is not installed."""


def find_tool(name: str, *, bin_dir: Path | None = None, path: str | None = None) -> str:
    """Absolute path of ``name``: in ``bin_dir`` (default: this interpreter's bin), else PATH.

    ``path`` replaces the PATH environment variable for the search (tests use it).
    """
    bin_dir = Path(sys.executable).parent if bin_dir is None else bin_dir
    found = shutil.which(name, path=str(bin_dir)) or shutil.which(name, path=path)
    if not found:
        raise ToolNotFoundError(
            f"{name} not found next to {sys.executable} or on PATH: run `make install`"
        )
    return found
