"""Reading a user's file or JSON text, failing with one line that says what to do.

Templates, outputs files and policy documents all come from the user; each caller names its own
error family (a GuestApiError subclass) and what would fix a missing file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from guestapi.errors import GuestApiError


def read_text(path: Path, error: type[GuestApiError], *, what: str, missing_hint: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{what} {path} not found: {missing_hint}") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise error(f"cannot read {what} {path}: {reason}") from None


def parse_json(text: str, error: type[GuestApiError], *, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{what} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
