"""The headers of a Lambda proxy result as API Gateway (REST) sends them on: it frames the answer
itself, so the integration's framing headers are renamed or dropped
(docs/aws-behaviour.md#proxy-response; the other hop-by-hop ones: Known differences 22). Sent on
as they were, they would sit next to the server's own Content-Length, and a keep-alive client
would read the next answer from the wrong byte.
"""

from __future__ import annotations

from collections.abc import Iterable

REMAP_PREFIX = "x-amzn-Remapped-"
# Lambda proxy (AWS_PROXY) responses: renamed, by their canonical names as AWS writes them.
REMAPPED = ("Connection", "Content-Length", "Date", "Server")
DROPPED = frozenset({"transfer-encoding"})
# Not documented for proxy results: the offline stack's choice (see the module docstring).
HOP_BY_HOP = frozenset({"keep-alive", "proxy-connection", "te", "trailer", "upgrade"})

_REMAPPED = {name.lower(): name for name in REMAPPED}


def as_sent(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` of a proxy result with the framing ones renamed or dropped, order kept."""
    sent = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in DROPPED or lowered in HOP_BY_HOP:
            continue
        canonical = _REMAPPED.get(lowered)
        sent.append((REMAP_PREFIX + canonical, value) if canonical else (name, value))
    return sent
