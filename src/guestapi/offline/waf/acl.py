"""A web ACL's verdict on one request: its rules by priority, rate-based ones counted per IP.

Rate counting is exact here: a request over the limit is blocked at once. AWS WAF "checks the
rate about every 10 seconds" and applies the limit "near" the one set, so a real ACL lets a
burst through for a few seconds before it blocks (docs/aws-behaviour.md#aws-waf).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from guestapi.offline.waf.model import Rule, WebAcl
from guestapi.offline.waf.statements import matches, statement_type
from guestapi.offline.wire import Request

DEFAULT_WINDOW_S = 300


class _RateCounter:
    """Per aggregation key, the newest `limit + 1` request times: enough to tell whether more
    than `limit` fell inside the window, so memory per key is bounded by the limit."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def over_limit(self, key: str, now: float) -> bool:
        """Count this request; True when the key sent more than `limit` in the window."""
        with self._lock:
            times = self._seen.get(key)
            if times is None:
                self._forget_idle(now)
                times = self._seen[key] = deque(maxlen=self.limit + 1)
            times.append(now)
            return len(times) > self.limit and now - times[0] < self.window_s

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, times in self._seen.items() if now - times[-1] >= self.window_s]
        for key in idle:
            del self._seen[key]


class WebAclEvaluator:
    """The first rule by priority whose statement matches decides; else the default action."""

    def __init__(self, acl: WebAcl, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.acl = acl
        self._monotonic = monotonic
        self._counters = {
            rule.name: _RateCounter(
                int(body["Limit"]), float(body.get("EvaluationWindowSec") or DEFAULT_WINDOW_S)
            )
            for rule in acl.rules
            if statement_type(rule.statement) == "RateBasedStatement"
            for body in [rule.statement["RateBasedStatement"]]
        }

    def blocking_rule(self, request: Request) -> str | None:
        """The name of the rule that blocks `request` (the ACL's name for its default action),
        or None when it goes on to API Gateway."""
        for rule in self.acl.rules:
            if self._matches(rule, request):
                if rule.action == "Block":
                    return rule.name
                if rule.action == "Allow":
                    return None
        return self.acl.name if self.acl.default_action == "Block" else None

    def _matches(self, rule: Rule, request: Request) -> bool:
        counter = self._counters.get(rule.name)
        if counter is None:
            return matches(rule.statement, request)
        body = rule.statement["RateBasedStatement"]
        scope = body.get("ScopeDownStatement")
        if scope is not None and not matches(scope, request):
            return False
        # AggregateKeyType IP: the request's source address (FORWARDED_IP and custom keys are
        # refused when the ACL is built).
        return counter.over_limit(request.source_ip, self._monotonic())
