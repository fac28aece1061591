"""The WAF match statements the offline stack evaluates, over one request.

Only what a rate-based rule's scope-down needs is evaluated: ByteMatch on the URI path, a header
or the method, and And/Or/Not around them. Any other statement type never matches offline; the
web ACL's builder says so once, at deploy (docs/aws-behaviour.md#aws-waf).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from guestapi.offline.waf.model import Statement
from guestapi.offline.wire import Request

_POSITIONS: dict[str, Callable[[str, str], bool]] = {
    "EXACTLY": lambda value, search: value == search,
    "STARTS_WITH": lambda value, search: value.startswith(search),
    "ENDS_WITH": lambda value, search: value.endswith(search),
    "CONTAINS": lambda value, search: search in value,
}
_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "NONE": lambda value: value,
    "LOWERCASE": str.lower,
    "URL_DECODE": unquote,
}
EVALUATED = frozenset(
    {"ByteMatchStatement", "AndStatement", "OrStatement", "NotStatement", "RateBasedStatement"}
)


def statement_type(statement: Statement) -> str:
    return next(iter(statement), "")


def unsupported(statement: Statement) -> list[str]:
    """The statement types in `statement` (nested ones too) that never match offline."""
    kind = statement_type(statement)
    body = statement.get(kind) or {}
    if kind not in EVALUATED:
        return [kind]
    if kind == "ByteMatchStatement":
        field = next(iter(body.get("FieldToMatch") or {}), "")
        positions = str(body.get("PositionalConstraint", ""))
        if field not in ("UriPath", "SingleHeader", "Method") or positions not in _POSITIONS:
            return [f"ByteMatchStatement on {field or '?'} ({positions or '?'})"]
        return []
    nested = [body["Statement"]] if kind == "NotStatement" else list(body.get("Statements") or [])
    if kind == "RateBasedStatement":
        nested = [body["ScopeDownStatement"]] if body.get("ScopeDownStatement") else []
    return [name for child in nested for name in unsupported(child)]


def matches(statement: Statement, request: Request) -> bool:
    kind = statement_type(statement)
    body = statement.get(kind) or {}
    if kind == "AndStatement":
        return all(matches(child, request) for child in body.get("Statements") or [])
    if kind == "OrStatement":
        return any(matches(child, request) for child in body.get("Statements") or [])
    if kind == "NotStatement":
        return not matches(body["Statement"], request)
    if kind == "ByteMatchStatement":
        return _byte_match(body, request)
    return False


def _byte_match(body: Statement, request: Request) -> bool:
    value = _field(body.get("FieldToMatch") or {}, request)
    if value is None:
        return False
    for transform in sorted(body.get("TextTransformations") or [], key=lambda t: t["Priority"]):
        value = _TRANSFORMS.get(str(transform.get("Type")), _TRANSFORMS["NONE"])(value)
    compare = _POSITIONS.get(str(body.get("PositionalConstraint")))
    return compare is not None and compare(value, str(body.get("SearchString", "")))


def _field(field: Statement, request: Request) -> str | None:
    if "UriPath" in field:
        # The path as the request line carries it, the stage included ([choice]: AWS does not
        # document whether a REST API's stage is part of the path WAF inspects).
        return request.raw_path
    if "Method" in field:
        return request.method
    if "SingleHeader" in field:
        return request.header(str(field["SingleHeader"].get("Name", "")))
    return None
