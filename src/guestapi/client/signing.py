"""SigV4 signing for execute-api with requests-aws4auth, plus SDK-style clock-skew correction.

requests-aws4auth signs with the time in the request's `X-Amz-Date` header when there is one, so
an offset clock needs no patching: `GuestSigV4Auth` writes `X-Amz-Date` from its `SigningClock`.
On a 403 "Signature expired" / "not yet current" the response's `Date` is the server's clock: the
offset is stored and the request re-signed and sent once more (docs/aws-behaviour.md#clock-skew),
from a response hook, as requests' `HTTPDigestAuth` retries a 401: re-sent through
`response.connection`, which runs no hooks again, so there is exactly one retry.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import requests
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

if TYPE_CHECKING:
    from guestapi.client.credentials import GuestCredentialProvider

logger = logging.getLogger(__name__)

AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EXECUTE_API = "execute-api"
SKEW_MESSAGES = ("Signature expired", "Signature not yet current")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SigningClock:
    """The time used to sign: `base()` plus an offset learned from the server. Thread-safe."""

    def __init__(
        self, base: Callable[[], datetime] = _utcnow, offset: timedelta = timedelta(0)
    ) -> None:
        self._base = base
        self._offset = offset
        self._lock = threading.Lock()

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return self._base() + offset

    def correct_to(self, server_now: datetime) -> timedelta:
        """Adopt the server's idea of now; returns the new offset."""
        offset = server_now - self._base()
        with self._lock:
            self._offset = offset
        return offset


def error_message(response: requests.Response) -> str:
    """The message of an API Gateway error body (`message`, or `Message` for AccessDenied)."""
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    return str(body.get("message") or body.get("Message") or "")


class GuestSigV4Auth(AWS4Auth):
    """AWS4Auth signing with botocore (refreshable) credentials and a `SigningClock`.

    One instance may be shared by threads: AWS4Auth keeps the current key on the instance while
    it signs, so signing is serialised here (it is microseconds of HMAC work).
    """

    def __init__(
        self,
        credentials: Credentials,
        region: str,
        *,
        service: str = EXECUTE_API,
        clock: SigningClock | None = None,
        correct_skew: bool = True,
    ) -> None:
        super().__init__(refreshable_credentials=credentials, region=region, service=service)
        self.clock = clock or SigningClock()
        self.correct_skew = correct_skew
        self._sign_lock = threading.Lock()

    def __call__(self, req: requests.PreparedRequest) -> requests.PreparedRequest:
        self._sign(req)
        if self.correct_skew:
            req.register_hook("response", self._retry_on_skew)
        return req

    def _sign(self, req: requests.PreparedRequest) -> None:
        with self._sign_lock:
            # AWS4Auth uses an existing X-Amz-Date as the signing time (and rebuilds its key for
            # that date), so setting it here is how the offset clock reaches the signature.
            req.headers["X-Amz-Date"] = self.clock.now().strftime(AMZ_DATE_FORMAT)
            super().__call__(req)

    def _retry_on_skew(self, response: requests.Response, **send_kwargs: Any) -> requests.Response:
        if response.status_code != 403 or not error_message(response).startswith(SKEW_MESSAGES):
            return response
        server_date = response.headers.get("Date")
        try:
            server_now = parsedate_to_datetime(server_date) if server_date else None
        except (TypeError, ValueError):
            server_now = None
        if server_now is None:
            return response
        if server_now.tzinfo is None:
            server_now = server_now.replace(tzinfo=UTC)
        offset = self.clock.correct_to(server_now)
        logger.info(
            "clock skew detected; signing %+.0f s off the local clock", offset.total_seconds()
        )
        retry = response.request.copy()
        self._sign(retry)
        response.close()
        new_response = response.connection.send(retry, **send_kwargs)
        new_response.history.append(response)
        new_response.request = retry
        return new_response


def signed_session(
    provider: GuestCredentialProvider,
    region: str,
    *,
    clock: SigningClock | None = None,
    correct_skew: bool = True,
) -> requests.Session:
    """A `requests.Session` whose every request is SigV4-signed for execute-api as the guest."""
    session = requests.Session()
    session.auth = GuestSigV4Auth(
        provider.credentials(), region, clock=clock, correct_skew=correct_skew
    )
    return session
