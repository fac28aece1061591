"""Stage and method throttling: API Gateway's token bucket.

API Gateway documents throttling as a token bucket: `burst` tokens at most, refilled at `rate`
per second; a request that finds the bucket empty gets 429. Method settings keyed
"<resource path>/<METHOD>" override the stage-wide "*/*" entry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from guestapi.offline.apigateway.model import Throttle, method_setting_key


class TokenBucket:
    def __init__(self, throttle: Throttle, *, monotonic: Callable[[], float] = time.monotonic):
        self._rate = float(throttle.rate_limit)
        self._capacity = float(max(throttle.burst_limit, 1))
        self._tokens = self._capacity
        self._monotonic = monotonic
        self._last = monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self._monotonic()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


class StageThrottler:
    """One bucket per method setting of one stage, created lazily."""

    def __init__(
        self,
        throttles: Mapping[str, Throttle],
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._throttles = dict(throttles)
        self._monotonic = monotonic
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def allow(self, resource_path: str, http_method: str) -> bool:
        exact = method_setting_key(resource_path, http_method)
        candidates = (exact, exact.rsplit("/", 1)[0] + "/*", f"*/{http_method.upper()}", "*/*")
        key = next((k for k in candidates if k in self._throttles), None)
        if key is None:
            return True
        bucket = self._buckets.get(key)
        if bucket is None:
            with self._lock:
                bucket = self._buckets.setdefault(
                    key, TokenBucket(self._throttles[key], monotonic=self._monotonic)
                )
        return bucket.take()
