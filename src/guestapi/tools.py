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


def find_tool(name: str) -> str:
    """Absolute path of ``name``: next to this interpreter (its bin directory), else on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise ToolNotFoundError(
            f"{name} not found next to {sys.executable} or on PATH: run `make install`"
        )
    return found
