"""Stage and method throttling: API Gateway's token bucket, one per method whichever setting
("<resource path>/<METHOD>" or the stage-wide "*/*") gives its limits, so a flood of one method
never throttles another (docs/aws-behaviour.md#throttling).
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
    """One bucket per method of one stage, created lazily, sized by its most specific setting."""

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
        method = method_setting_key(resource_path, http_method)
        bucket = self._buckets.get(method)
        if bucket is None:
            throttle = self._setting(method, http_method)
            if throttle is None:
                return True
            with self._lock:
                bucket = self._buckets.setdefault(
                    method, TokenBucket(throttle, monotonic=self._monotonic)
                )
        return bucket.take()

    def _setting(self, method: str, http_method: str) -> Throttle | None:
        """The most specific setting for a method: its own, its resource's, its verb's, the
        stage's; None when the stage sets no throttle (only the account's would apply)."""
        resource_wide = method.rsplit("/", 1)[0] + "/*"
        for key in (method, resource_wide, f"*/{http_method.upper()}", "*/*"):
            if key in self._throttles:
                return self._throttles[key]
        return None
