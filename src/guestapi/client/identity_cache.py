"""Where an app install keeps its Cognito identity id between runs: every `GetId` without a stored
id mints a new identity. Only the id is stored (it is no secret without the pool allowing it),
never keys, which are cheap to fetch again. JSON: {"version": 1, "identities": {pool: id}}.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

from guestapi.errors import GuestApiError

_FORMAT_VERSION = 1


class IdentityCacheError(GuestApiError):
    """The identity cache file cannot be read or written."""


class IdentityCache:
    """Identity ids keyed by identity pool id, in memory or in a 0600 JSON file.

    `path=None` keeps them in memory only (one "install" per process).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._memory: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, pool_id: str) -> str | None:
        with self._lock:
            if self.path is None:
                return self._memory.get(pool_id)
            return self._read().get(pool_id)

    def put(self, pool_id: str, identity_id: str) -> None:
        with self._lock:
            if self.path is None:
                self._memory[pool_id] = identity_id
                return
            identities = self._read()
            identities[pool_id] = identity_id
            self._write(identities)

    def forget(self, pool_id: str) -> None:
        with self._lock:
            if self.path is None:
                self._memory.pop(pool_id, None)
                return
            identities = self._read()
            if identities.pop(pool_id, None) is not None:
                self._write(identities)

    def _read(self) -> dict[str, str]:
        assert self.path is not None
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise IdentityCacheError(
                f"cannot read the identity cache {self.path}: {exc.strerror}; "
                "fix its permissions or pass another cache path"
            ) from None
        try:
            data = json.loads(text)
            identities = data["identities"]
            if data.get("version") != _FORMAT_VERSION or not isinstance(identities, dict):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise IdentityCacheError(
                f"the identity cache {self.path} is not a guestapi identity cache; "
                "delete it (a new guest identity will be minted) or pass another cache path"
            ) from None
        return {str(k): str(v) for k, v in identities.items()}

    def _write(self, identities: dict[str, str]) -> None:
        assert self.path is not None
        payload = json.dumps({"version": _FORMAT_VERSION, "identities": identities}, indent=2)
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Write a private temp file next to the cache, then rename over it: readers in other
            # processes never see half a file, and the mode is 0600 from the first byte.
            fd, tmp = tempfile.mkstemp(prefix=".identities-", dir=self.path.parent)
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(payload + "\n")
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise IdentityCacheError(
                f"cannot write the identity cache {self.path}: {exc.strerror}; "
                "pass a writable cache path"
            ) from None
