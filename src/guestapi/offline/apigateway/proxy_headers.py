"""The headers of a Lambda proxy result as API Gateway (REST) sends them on: framing stays its own.

A function may put any header in its result, `Content-Length: 0` or `Transfer-Encoding: chunked`
included. API Gateway frames the answer itself, so it renames the integration's `Connection`,
`Content-Length`, `Date` and `Server` to `x-amzn-Remapped-<name>` and drops `Transfer-Encoding`
(docs/aws-behaviour.md#proxy-response). Sent on as they were, they would sit next to the server's
own Content-Length, and a keep-alive client would read the next answer from the wrong byte.

The other hop-by-hop headers (RFC 9110 §7.6.1: `Keep-Alive`, `Proxy-Connection`, `TE`,
`Trailer`, `Upgrade`) describe a connection the function does not own; what API Gateway does with
them in a proxy result is not documented, and the offline stack drops them ([choice], listed in
the known differences).
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
