"""What the suite runs against: a stack's outputs, whichever way they were obtained."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from guestapi.errors import GuestApiError


class TargetError(GuestApiError):
    """The target (outputs, endpoints) is unusable or cannot be reached."""


@dataclass(frozen=True)
class Target:
    api_url: str  # stage base URL: scheme://host[:port]/stage
    identity_pool_id: str
    region: str
    guest_role_arn: str | None = None
    # Cognito Identity (and, for the basic flow, STS) endpoint; None = the AWS default.
    cognito_endpoint: str | None = None

    @classmethod
    def from_outputs(
        cls, outputs: Mapping[str, str], *, cognito_endpoint: str | None = None
    ) -> Target:
        missing = [k for k in ("ApiUrl", "IdentityPoolId", "Region") if not outputs.get(k)]
        if missing:
            raise TargetError(f"the outputs lack {', '.join(missing)}: is this a guest-api stack?")
        target = cls(
            api_url=outputs["ApiUrl"].rstrip("/"),
            identity_pool_id=outputs["IdentityPoolId"],
            region=outputs["Region"],
            guest_role_arn=outputs.get("GuestRoleArn") or None,
            cognito_endpoint=cognito_endpoint or outputs.get("CognitoIdentityEndpoint") or None,
        )
        parts = urlsplit(target.api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise TargetError(f"ApiUrl {target.api_url!r} is not an http(s) URL")
        if not parts.path.strip("/") or "/" in parts.path.strip("/"):
            raise TargetError(
                f"ApiUrl {target.api_url!r} must end with the stage name (…/STAGE), "
                "as the template's ApiUrl output does"
            )
        return target

    @property
    def stage(self) -> str:
        return urlsplit(self.api_url).path.strip("/")

    def url(self, path: str, stage: str | None = None) -> str:
        """The URL of `path` (relative to the stage) on this stage or on `stage`."""
        parts = urlsplit(self.api_url)
        return f"{parts.scheme}://{parts.netloc}/{stage or self.stage}{path}"
