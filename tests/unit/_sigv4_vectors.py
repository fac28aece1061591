"""Load the official SigV4 test vectors (tests/data/sigv4-test-suite/v4) as IncomingRequests.

The signed-request files are raw HTTP/1.1 messages: a request line whose target may hold
literal spaces and UTF-8, `Name:value` header lines (a line starting with whitespace continues
the previous value), a blank line, then the body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from guestapi.offline.sigv4 import KnownCredential
from guestapi.offline.wire import Request as IncomingRequest

# Vendored (Apache-2.0, see its LICENSE/NOTICE) so a clone tests without the workspace.
SUITE = Path(__file__).resolve().parents[1] / "data" / "sigv4-test-suite" / "v4"


@dataclass(frozen=True)
class VectorCase:
    name: str
    form: str  # "header" or "query"
    request: IncomingRequest
    credential: KnownCredential
    region: str
    service: str
    now: datetime
    sign_body: bool
    # The token was added after signing (so it is not in the official canonical request).
    omit_session_token: bool
    folder: Path


def parse_http(text: str) -> IncomingRequest:
    head, sep, body = text.partition("\n\n")
    lines = head.split("\n")
    method, _, rest = lines[0].partition(" ")
    target = rest.rsplit(" ", 1)[0]  # the target may contain spaces; HTTP/1.1 is last
    raw_path, _, raw_query = target.partition("?")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + "\n" + line)
            continue
        name, _, value = line.partition(":")
        headers.append((name, value.lstrip(" \t")))
    host = next((v for n, v in headers if n.lower() == "host"), "")
    return IncomingRequest(
        method=method,
        raw_path=raw_path,
        raw_query=raw_query,
        headers=tuple(headers),
        body=body.encode() if sep else b"",
        host=host,
    )


def load_cases(normalized_only: bool = True) -> list[VectorCase]:
    cases = []
    for folder in sorted(p for p in SUITE.iterdir() if p.is_dir()):
        context = json.loads((folder / "context.json").read_text())
        if normalized_only and not context["normalize"]:
            continue
        creds = context["credentials"]
        credential = KnownCredential(
            access_key_id=creds["access_key_id"],
            secret_access_key=creds["secret_access_key"],
            session_token=creds.get("token"),
            expiration=None,
        )
        now = datetime.fromisoformat(context["timestamp"].replace("Z", "+00:00"))
        for form in ("header", "query"):
            signed = folder / f"{form}-signed-request.txt"
            if not signed.exists():
                continue
            cases.append(
                VectorCase(
                    name=f"{folder.name}[{form}]",
                    form=form,
                    request=parse_http(signed.read_text(encoding="utf-8")),
                    credential=credential,
                    region=context["region"],
                    service=context["service"],
                    now=now,
                    sign_body=bool(context.get("sign_body")),
                    omit_session_token=bool(context.get("omit_session_token")),
                    folder=folder,
                )
            )
    return cases
