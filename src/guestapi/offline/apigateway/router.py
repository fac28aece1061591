"""Match a request path to a stage, a resource and a method, as API Gateway REST APIs do.

Literal segments win over `{param}` segments, which win over a greedy `{proxy+}`; a method
falls back to ANY (`x-amazon-apigateway-any-method`). Anything unmatched is the caller's
problem to report: API Gateway answers MISSING_AUTHENTICATION_TOKEN, not 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from guestapi.offline.apigateway.model import Method, Resource, RestApi, Stage


@dataclass(frozen=True)
class Route:
    api: RestApi
    stage: Stage
    resource: Resource
    method: Method
    path: str  # decoded resource path of the request, e.g. "/demo" or "/items/42"
    path_params: dict[str, str]


@dataclass(frozen=True)
class _Compiled:
    resource: Resource
    segments: tuple[str, ...]
    # Sort key: literal-first specificity, so the first match is the one API Gateway picks.
    rank: tuple[int, ...]


class Router:
    def __init__(self, apis: list[RestApi], *, warn: Callable[[str], None] | None = None) -> None:
        self._stages: dict[str, tuple[RestApi, Stage]] = {}
        self._tables: dict[str, list[_Compiled]] = {}
        for api in apis:
            compiled = [_compile(r) for r in api.resources]
            compiled.sort(key=lambda c: c.rank)
            self._tables[api.api_id] = compiled
            for stage in api.stages.values():
                # AWS tells APIs apart by host name; here every API shares one port, so two
                # APIs with one stage name cannot share its /{stage} prefix: the first wins.
                first = self._stages.setdefault(stage.name, (api, stage))[0]
                if first is not api and warn is not None:
                    warn(
                        f"stage {stage.name!r} of API {api.logical_id} is unreachable offline: "
                        f"API {first.logical_id} already serves /{stage.name} on this port"
                    )

    def api_of(self, raw_path: str) -> RestApi | None:
        """The API whose deployed stage the path's first segment names (case-sensitive)."""
        found = self.stage_of(raw_path)
        return found[0] if found else None

    def stage_of(self, raw_path: str) -> tuple[RestApi, Stage] | None:
        """The API and deployed stage the path's first segment names (case-sensitive)."""
        parts = raw_path.split("/")
        if len(parts) < 2 or parts[0] != "":
            return None
        return self._stages.get(unquote(parts[1]))

    def match(self, raw_path: str, http_method: str) -> Route | None:
        parts = raw_path.split("/")
        # "/<stage>" alone is no resource: only "/<stage>/" reaches the root resource.
        if len(parts) < 3 or parts[0] != "":
            return None
        found = self._stages.get(unquote(parts[1]))
        if found is None:
            return None
        api, stage = found
        segments = tuple(unquote(p) for p in parts[2:])
        if segments == ("",):
            segments = ()
        for entry in self._tables[api.api_id]:
            params = _match_segments(entry.segments, segments)
            if params is None:
                continue
            method = entry.resource.methods.get(http_method) or entry.resource.methods.get("ANY")
            if method is None:
                return None
            path = "/" + "/".join(segments)
            return Route(api, stage, entry.resource, method, path, params)
        return None


def _compile(resource: Resource) -> _Compiled:
    segments = tuple(s for s in resource.path.split("/") if s)
    rank = tuple(
        2 if s.endswith("+}") else 1 if s.startswith("{") and s.endswith("}") else 0
        for s in segments
    )
    # Longer literal paths first among equal prefixes: pad with 3 so shorter sorts after.
    return _Compiled(resource, segments, (*rank, 3))


def _match_segments(pattern: tuple[str, ...], actual: tuple[str, ...]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for i, seg in enumerate(pattern):
        if seg.startswith("{") and seg.endswith("+}"):
            rest = actual[i:]
            if not rest or any(r == "" for r in rest):
                return None
            params[seg[1:-2]] = "/".join(rest)
            return params
        if i >= len(actual):
            return None
        if seg.startswith("{") and seg.endswith("}"):
            if actual[i] == "":
                return None
            params[seg[1:-1]] = actual[i]
        elif seg != actual[i]:
            return None
    if len(actual) != len(pattern):
        return None
    return params
