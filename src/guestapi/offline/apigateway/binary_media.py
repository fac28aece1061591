"""A REST API's `binaryMediaTypes`: which bodies API Gateway treats as binary, the rest being
UTF-8 text (docs/aws-behaviour.md#proxy-event, #proxy-response). A listed `type/*` matches every
subtype, `*/*` every type; parameters (`; charset=...`) and case do not count.
"""

from __future__ import annotations

from collections.abc import Iterable


def normalized(media_types: Iterable[object]) -> tuple[str, ...]:
    """The list as API Gateway keeps it: `~1` (the JSON-pointer escape CloudFormation and SAM
    write for `/`) read as `/`, duplicates once."""
    seen: dict[str, None] = {}
    for media_type in media_types:
        seen[str(media_type).replace("~1", "/").strip()] = None
    return tuple(seen)


def _type(media_type: str) -> tuple[str, str] | None:
    main, slash, sub = media_type.split(";", 1)[0].strip().lower().partition("/")
    return (main, sub) if slash and main and sub else None


def is_binary(header: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """Whether `header` (a Content-Type, or an Accept: only its first media type counts) names
    a binary media type of the API."""
    if not header or not binary_media_types:
        return False
    wanted = _type(header.split(",", 1)[0])
    if wanted is None:
        return False
    for listed in binary_media_types:
        pattern = _type(listed)
        if pattern is None:
            continue
        main, sub = pattern
        if (main, sub) == ("*", "*") or (main == wanted[0] and sub in ("*", wanted[1])):
            return True
    return False
