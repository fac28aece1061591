"""What the target answered to one scenario: the HTTP response and/or the credential step."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from requests.structures import CaseInsensitiveDict

from guestapi.client import GuestCredentials, GuestCredentialsError


@dataclass
class Observation:
    """What the target answered (HTTP response and/or the credential step)."""

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=CaseInsensitiveDict)
    text: str = ""
    document: Any = None
    credentials: GuestCredentials | None = None
    credentials_error: GuestCredentialsError | None = None
    stage: str = ""  # the stage the request went to
    throttled: int = 0  # 429 answers retried before this one

    @property
    def error_type(self) -> str | None:
        # AWS may append ":<url>" to the type; the name is what matters.
        value = self.headers.get("x-amzn-ErrorType")
        return value.split(":", 1)[0] if value else None

    @property
    def message(self) -> str:
        if isinstance(self.document, dict):
            return str(self.document.get("message") or self.document.get("Message") or "")
        return ""

    def summary(self) -> str:
        if self.credentials_error is not None:
            e = self.credentials_error
            return f"refused: {e.operation} {e.code}: {e.service_message}"
        parts: list[str] = []
        if self.status is not None:
            parts.append(str(self.status))
            if self.error_type:
                parts.append(self.error_type)
            if self.message:
                parts.append(one_line(self.message))
        elif self.credentials is not None:
            parts.append(
                f"credentials valid {lifetime_seconds(self.credentials)} s "
                f"(expire {self.credentials.expiration:%Y-%m-%dT%H:%M:%SZ})"
            )
        return " ".join(parts) or "nothing"


def lifetime_seconds(credentials: GuestCredentials) -> int:
    """The keys' lifetime in whole seconds, the resolution of both Expiration and the Date
    header it is measured from; a part second is dropped, so 3600.4 s is 3600 s."""
    return math.floor(credentials.lifetime.total_seconds())


def one_line(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
