"""What the target answered to one scenario: the HTTP response and/or the credential step."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from requests.structures import CaseInsensitiveDict

from guestapi.aws_constants import ERROR_TYPE_HEADER
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
    # The secret key and session token the request was signed with: an AWS answer may echo
    # them (an InvalidSignature message quotes the canonical request, token included), and the
    # summary goes to the table, the JSON and the JUnit reports.
    secrets: tuple[str, ...] = ()

    @property
    def error_type(self) -> str | None:
        # AWS may append ":<url>" to the type; the name is what matters.
        value = self.headers.get(ERROR_TYPE_HEADER)
        return value.split(":", 1)[0] if value else None

    @property
    def message(self) -> str:
        if isinstance(self.document, dict):
            return str(self.document.get("message") or self.document.get("Message") or "")
        return ""

    def summary(self) -> str:
        """Status, error type and the whole message, on one line and with the request's own
        secrets redacted: never cut, as the reporters wrap it inside its column."""
        return redacted(self._summary(), self.secrets)

    def _summary(self) -> str:
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


def redacted(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with each secret, as sent or URI-encoded as SigV4 encodes it, replaced."""
    for secret in secrets:
        if secret:
            for form in {secret, quote(secret, safe="-_.~")}:
                text = text.replace(form, "<redacted>")
    return text


def one_line(text: str, limit: int | None = None) -> str:
    """`text` on one line; cut (marked with …) only when a `limit` is given."""
    text = " ".join(text.split())
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"
