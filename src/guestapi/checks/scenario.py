"""Request scenarios as data: the records `loading.py` builds from `events/*.json` (the schema is
in `events/README.md`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from guestapi.errors import GuestApiError

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MATCHER_KINDS = ("equals", "startswith", "contains", "contains_all", "one_of", "present", "matches")
# Values that may hold "$name" placeholders, filled in at run time (see `Variables`).
VARIABLE = re.compile(r"\$([A-Za-z]+)")
KNOWN_VARIABLES = ("identityId", "attestedIdentityId", "origin", "region", "stage")


class SigningMode(StrEnum):
    """How a scenario's request is signed (the `signing` key of events/README.md)."""

    NONE = "none"
    GUEST = "guest"  # enhanced-flow guest keys, skew corrected like an SDK
    GUEST_TAMPERED = "guest-tampered"  # signed as GUEST, then one signature digit changed
    UNKNOWN_KEY = "unknown-key"  # well-formed temporary keys no account issued
    WRONG_REGION = "wrong-region"  # guest keys, credential scope naming another region
    BASIC_FLOW = "basic-flow"  # guest keys from GetOpenIdToken + AssumeRoleWithWebIdentity
    GUEST_PRESIGNED = "guest-presigned"  # enhanced-flow guest keys, SigV4 in the query string
    ATTESTED = "attested"  # an attested install's keys (the attested role), via --attest

    @property
    def uses_guest_keys(self) -> bool:
        """Signs with keys the pool issued, as an app would: a refusal is the stack's doing."""
        return self in (SigningMode.GUEST, SigningMode.BASIC_FLOW, SigningMode.ATTESTED)

    @property
    def forges_signature(self) -> bool:
        """Sends a signature the API must reject whatever its policy says."""
        return self in (
            SigningMode.GUEST_TAMPERED,
            SigningMode.UNKNOWN_KEY,
            SigningMode.WRONG_REGION,
        )


SIGNING_MODES = tuple(SigningMode)


class ScenarioError(GuestApiError):
    """A scenario file is missing, not JSON, or does not follow the events/README.md schema."""


@dataclass(frozen=True)
class Matcher:
    """One expectation on a string value (header, body field, error code...)."""

    kind: str  # one of MATCHER_KINDS
    value: Any  # str | list[str] | bool

    def describe(self) -> str:
        if self.kind == "equals":
            return json.dumps(self.value)
        if self.kind == "present":
            return "present" if self.value else "absent"
        if self.kind in ("one_of", "contains_all"):
            return f"{self.kind.replace('_', ' ')} {', '.join(map(str, self.value))}"
        return f"{self.kind} {json.dumps(self.value)}"


@dataclass(frozen=True)
class Signing:
    mode: SigningMode = SigningMode.GUEST
    # Sign as if the clock were this far off (negative = in the past); turns skew correction off.
    clock_offset_seconds: int = 0
    # Sign for this region instead of the stack's ("wrong-region" picks one when unset).
    region: str | None = None
    # X-Amz-Expires of a "guest-presigned" URL (default 300).
    expires_seconds: int | None = None


@dataclass(frozen=True)
class RequestSpec:
    method: str
    path: str  # relative to ApiUrl's stage, starts with "/"
    stage: str | None = None  # call this stage instead of ApiUrl's
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass(frozen=True)
class CredentialsExpectation:
    max_lifetime_seconds: int | None = None
    min_lifetime_seconds: int | None = None


@dataclass(frozen=True)
class CredentialsErrorExpectation:
    code: Matcher | None = None
    message: Matcher | None = None


@dataclass(frozen=True)
class FunctionExpectation:
    """The answer came from the route's function, which saw the caller as `identity`.

    The function echoes two fields of its proxy event: the caller's
    `requestContext.identity.cognitoIdentityId` (in `identity_field`) and
    `requestContext.requestId` (in `request_id_field`), which must be this very request's
    `x-amzn-RequestId`: a MOCK or a cached answer cannot know it.
    """

    identity: Matcher
    identity_field: str = "identityId"
    request_id_field: str = "requestId"


@dataclass(frozen=True)
class Expectation:
    status: tuple[int, ...] = ()
    headers: dict[str, Matcher] = field(default_factory=dict)
    body: dict[str, Matcher] = field(default_factory=dict)  # dotted JSON path -> matcher
    credentials: CredentialsExpectation | None = None
    credentials_error: CredentialsErrorExpectation | None = None
    function: FunctionExpectation | None = None


@dataclass(frozen=True)
class Scenario:
    name: str  # the file stem
    title: str
    signing: Signing
    request: RequestSpec | None
    expect: Expectation
    hint: str | None = None  # extra text for the diagnosis when this scenario fails
