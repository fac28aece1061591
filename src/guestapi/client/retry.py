"""Throttled calls are sent again, as AWS SDKs retry throttling: API Gateway answers 429 when a
method's bucket is empty, and "the client can resubmit the failed requests in a way that is rate
limiting" (docs/aws-behaviour.md#throttling). Exponential backoff, so a client's retries never
keep the bucket empty themselves."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

DEFAULT_RETRIES = 3
BACKOFF_S = 1.0


def send_paced(
    send: Callable[[], requests.Response],
    *,
    retries: int = DEFAULT_RETRIES,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[requests.Response, int]:
    """`send()`, and again after 1, 2, 4... s while it answers 429, at most `retries` times:
    (the last answer, how many 429s were retried)."""
    response = send()
    retried = 0
    while response.status_code == 429 and retried < retries:
        sleep(BACKOFF_S * 2**retried)
        retried += 1
        response = send()
    return response, retried
