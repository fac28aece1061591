"""The checks before any signature is recomputed, in the order AWS's refusal table lists them:
credential scope, clock, credentials (docs/aws-behaviour.md#sigv4-refusals)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime, timedelta

from guestapi.offline.sigv4.errors import KnownCredential, SigV4Error, SigV4ErrorKind, incomplete
from guestapi.offline.sigv4.parsing import Signed, format_amz

SCOPE_TERMINATOR = "aws4_request"


def check_scope(signed: Signed, region: str, service: str) -> tuple[str, str]:
    parts = signed.credential.split("/")
    if len(parts) != 5:
        raise incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{signed.credential}'",
            "malformed Credential",
        )
    access_key, day, scope_region, scope_service, terminator = parts
    # AWS reports every wrong scope element at once, each sentence ending in ". ".
    problems = []
    if scope_region != region:
        problems.append("Credential should be scoped to a valid region. ")
    if scope_service != service:
        problems.append(f"Credential should be scoped to correct service: '{service}'. ")
    if terminator != SCOPE_TERMINATOR:
        problems.append(
            f"Credential should be scoped with a valid terminator: '{SCOPE_TERMINATOR}', "
            f"not '{terminator}'. "
        )
    if day != signed.amz_date[:8]:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{day}' != '{signed.amz_date[:8]}', from '{signed.amz_date}'. "
        )
    if problems:
        raise SigV4Error(
            SigV4ErrorKind.INVALID_SIGNATURE,
            "".join(problems),
            f"credential scope {day}/{scope_region}/{scope_service}/{terminator} "
            f"does not match {signed.amz_date[:8]}/{region}/{service}/{SCOPE_TERMINATOR}",
        )
    return access_key, day


def check_time(signed: Signed, now: datetime, max_skew: timedelta, honour_expires: bool) -> None:
    minutes = f"{int(max_skew.total_seconds() // 60)} min."
    if signed.request_time > now + max_skew:
        raise SigV4Error(
            SigV4ErrorKind.INVALID_SIGNATURE,
            f"Signature not yet current: {signed.amz_date} is still later than "
            f"{format_amz(now + max_skew)} ({format_amz(now)} + {minutes})",
            "request date is in the future beyond the allowed skew",
        )
    if signed.expires is None or not honour_expires:
        # Services other than S3 are reported to ignore X-Amz-Expires and keep the fixed
        # window (docs/aws-behaviour.md#presigned-urls): the default here.
        if signed.request_time < now - max_skew:
            raise SigV4Error(
                SigV4ErrorKind.INVALID_SIGNATURE,
                f"Signature expired: {signed.amz_date} is now earlier than "
                f"{format_amz(now - max_skew)} ({format_amz(now)} - {minutes})",
                "request date is older than the allowed skew",
            )
    elif signed.request_time < now - timedelta(seconds=signed.expires):
        # Presigned URL past X-Amz-Expires: same sentence shape as the documented skew answer
        # ("Signature expired: <date> is now earlier than <date>"), window in seconds.
        raise SigV4Error(
            SigV4ErrorKind.INVALID_SIGNATURE,
            f"Signature expired: {signed.amz_date} is now earlier than "
            f"{format_amz(now - timedelta(seconds=signed.expires))} "
            f"({format_amz(now)} - {signed.expires} sec.)",
            "presigned URL past X-Amz-Expires",
        )


def _same_secret(given: str | None, known: str | None) -> bool:
    if given is None or known is None:
        return given is None and known is None
    return hmac.compare_digest(given.encode(), known.encode())


def check_credential(
    signed: Signed,
    access_key: str,
    now: datetime,
    lookup: Callable[[str], KnownCredential | None],
) -> KnownCredential:
    invalid = "The security token included in the request is invalid."
    credential = lookup(access_key)
    if credential is None:
        raise SigV4Error(
            SigV4ErrorKind.UNRECOGNIZED_CLIENT, invalid, f"unknown access key {access_key}"
        )
    if not _same_secret(signed.session_token, credential.session_token):
        raise SigV4Error(
            SigV4ErrorKind.UNRECOGNIZED_CLIENT,
            invalid,
            f"session token does not belong to {access_key}",
        )
    if credential.expiration is not None and now >= credential.expiration:
        raise SigV4Error(
            SigV4ErrorKind.EXPIRED_TOKEN,
            "The security token included in the request is expired",
            f"credentials of {access_key} expired at {credential.expiration.isoformat()}",
        )
    return credential
