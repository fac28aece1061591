"""What a failed check found: one `Failure` per unmet expectation, its kind an `Aspect`.

Diagnoses match on the `Aspect` (and, for headers and body fields, on the `subject`), never on
the text a failure prints, so rewording a message cannot switch a diagnosis off.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Aspect(Enum):
    """What differed from the scenario's expectation."""

    CREDENTIALS_REFUSED = "credentials-refused"  # guest keys expected, the service refused
    CREDENTIALS_MISSING = "credentials-missing"  # a lifetime to check, but no keys were fetched
    CREDENTIALS_ISSUED = "credentials-issued"  # a refusal expected, keys were issued
    LIFETIME_TOO_LONG = "lifetime-too-long"
    LIFETIME_TOO_SHORT = "lifetime-too-short"
    STATUS = "status"
    HEADER = "header"  # subject: the header name as the scenario wrote it
    BODY_FIELD = "body-field"  # subject: the dotted JSON path
    ERROR_CODE = "error-code"  # of a credential refusal
    ERROR_MESSAGE = "error-message"  # of a credential refusal
    FUNCTION_CALLER = "function-caller"  # the function saw another identity (or none)
    FUNCTION_REQUEST = "function-request"  # the answer did not come from this request's event

    @property
    def label(self) -> str:
        """How reports name it (the JSON and JUnit texts are built from this)."""
        return _LABELS[self]


_LABELS = {
    Aspect.CREDENTIALS_REFUSED: "guest credentials",
    Aspect.CREDENTIALS_MISSING: "credentials",
    Aspect.CREDENTIALS_ISSUED: "credentials",
    Aspect.LIFETIME_TOO_LONG: "credentials lifetime",
    Aspect.LIFETIME_TOO_SHORT: "credentials lifetime",
    Aspect.STATUS: "status",
    Aspect.HEADER: "header",
    Aspect.BODY_FIELD: "body",
    Aspect.ERROR_CODE: "error code",
    Aspect.ERROR_MESSAGE: "error message",
    Aspect.FUNCTION_CALLER: "function's caller",
    Aspect.FUNCTION_REQUEST: "function's request id",
}


@dataclass(frozen=True)
class Failure:
    """One unmet expectation of a scenario; `expected` and `got` are for people to read."""

    aspect: Aspect
    expected: str
    got: str
    subject: str | None = None  # the header name or body path of HEADER / BODY_FIELD

    def __post_init__(self) -> None:
        needs_subject = self.aspect in (Aspect.HEADER, Aspect.BODY_FIELD)
        if needs_subject != (self.subject is not None):
            raise ValueError(f"{self.aspect.name} failure: subject {self.subject!r} is wrong")

    def is_header(self, name: str) -> bool:
        """A failure of header `name` (HTTP header names are case-insensitive)."""
        return self.aspect is Aspect.HEADER and (self.subject or "").lower() == name.lower()

    def is_body_field(self, path: str) -> bool:
        return self.aspect is Aspect.BODY_FIELD and self.subject == path

    def __str__(self) -> str:
        what = f"{self.aspect.label} {self.subject}" if self.subject else self.aspect.label
        return f"{what}: expected {self.expected}, got {self.got}"
