"""IAM's wildcard matching of actions and resource ARNs (IAM User Guide, "IAM JSON policy
elements": Action and Resource)."""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=4096)
def glob_pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """`*` = any run of characters, `?` = one character, everything else literal."""
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@functools.lru_cache(maxsize=4096)
def _arnglob_pattern(pattern: str) -> re.Pattern[str]:
    """Resource-element matching: a `*` stays within its ARN segment unless it ends it."""
    out = []
    for i, ch in enumerate(pattern):
        if ch == "*":
            ends_segment = i + 1 == len(pattern) or pattern[i + 1] == ":"
            out.append(".*" if ends_segment else "[^:]*")
        elif ch == "?":
            out.append("[^:]")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def matches_action(pattern: str, action: str) -> bool:
    return glob_pattern(pattern, True).fullmatch(action) is not None


def matches_resource(pattern: str, resource: str) -> bool:
    return _arnglob_pattern(pattern).fullmatch(resource) is not None


def arn_segments_match(pattern: str, arn: str) -> bool:
    # Arn* condition operators: each of the six colon-separated parts compared on its own.
    p_parts, a_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(p_parts) != 6 or len(a_parts) != 6:
        return False
    return all(
        glob_pattern(p, False).fullmatch(a) is not None
        for p, a in zip(p_parts, a_parts, strict=True)
    )
