"""Presigned URLs dated by a SigningClock give exactly botocore's URL for that time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from guestapi.client.presigning import presign_url
from guestapi.client.signing import SigningClock

CREDS = Credentials("ASIAEXAMPLEKEY234567", "secret/key+1", "session-token")
URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/dev/demo?b=2&a=1"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_same_url_as_botocore_at_the_same_time() -> None:
    request = AWSRequest(method="GET", url=URL)
    SigV4QueryAuth(CREDS, "execute-api", "eu-west-1", expires=900).add_auth(request)
    stamp = _query(request.url)["X-Amz-Date"][0]
    at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    ours = presign_url("GET", URL, CREDS, "eu-west-1", expires=900, clock=SigningClock(lambda: at))
    assert ours == request.url


def test_the_clock_dates_the_url_and_changes_the_signature() -> None:
    now = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
    fresh = presign_url(
        "GET", URL, CREDS, "eu-west-1", expires=900, clock=SigningClock(lambda: now)
    )
    old = presign_url(
        "GET", URL, CREDS, "eu-west-1", expires=900,
        clock=SigningClock(lambda: now, offset=timedelta(seconds=-360)),
    )  # fmt: skip
    assert _query(fresh)["X-Amz-Date"] == ["20261129T120000Z"]
    assert _query(old)["X-Amz-Date"] == ["20261129T115400Z"]
    assert _query(old)["X-Amz-Expires"] == ["900"]
    assert _query(old)["X-Amz-Signature"] != _query(fresh)["X-Amz-Signature"]


@pytest.mark.parametrize("expires", [0, 604_801])
def test_expires_outside_the_sigv4_range_is_refused(expires: int) -> None:
    with pytest.raises(ValueError, match=r"expires must be 1\.\.604800 seconds"):
        presign_url("GET", URL, CREDS, "eu-west-1", expires=expires)
