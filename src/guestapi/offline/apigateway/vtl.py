"""API Gateway mapping templates, rendered by a real Velocity engine (airspeed).

airspeed does the Velocity language (#set, #if, #foreach, references, method calls); this module
supplies what API Gateway puts in a template's scope: `$context`, `$input`, `$util` and
`$stageVariables`.

Two things API Gateway does differently from stock Velocity, and how they are reproduced:

- A null or undefined reference renders as an empty string (`"$context.identity.user"` is `""`
  for a guest), where Velocity prints the reference's text. That is Velocity's *quiet reference*
  (`$!ref`) behaviour, so every reference of a compiled template is marked quiet, as if the author
  had written `$!` everywhere. airspeed has no engine-wide switch for it.
- `$input.json` / `$input.path` take a JSONPath. Only a subset is implemented here (no library in
  the project's dependencies evaluates JSONPath): `$`, `.key`, `['key']` / `["key"]` and `[n]`.
  Filters, wildcards and recursive descent are refused with a VtlError.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import airspeed

from guestapi.errors import GuestApiError


class VtlError(GuestApiError):
    """A mapping template that does not parse, or fails while rendering."""


@dataclass
class VtlRequest:
    """The parts of the method request a mapping template can read."""

    body: bytes = b""
    path_params: dict[str, str] = field(default_factory=dict)
    # One value per name; with repeated names the last one wins, as in API Gateway's $input.params.
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)


def render(template: str, *, context: Mapping[str, Any], request: VtlRequest) -> str:
    """Render `template` the way API Gateway renders a mapping template."""
    constant = _constant_output(template)
    if constant is not None:
        return constant
    compiled = _compile(template)
    namespace = {
        "context": _plain(context),
        "input": _Input(request),
        "util": _UTIL,
        "stageVariables": dict(request.stage_variables),
    }
    plan = _text_and_references(template)
    if plan is not None:
        rendered = _render_plan(plan, namespace)
        if rendered is not None:
            return rendered
    try:
        return compiled.merge(namespace)
    except airspeed.TemplateExecutionError as error:
        cause = error.__cause__
        reason = str(cause) if isinstance(cause, VtlError) else f"{type(cause).__name__}: {cause}"
        raise VtlError(
            f"mapping template failed in {_one_line(error.element.my_text())!r}: {reason}"
        ) from None
    except airspeed.TemplateError as error:
        raise VtlError(f"mapping template failed: {_one_line(str(error))}") from None


# Bounded: the same few templates render on every request, but templates come from the stack.
@lru_cache(maxsize=256)
def _compile(template: str) -> airspeed.Template:
    compiled = airspeed.Template(template, filename="mapping template")
    try:
        compiled.ensure_compiled()
    except airspeed.TemplateSyntaxError as error:
        raise VtlError(f"mapping template syntax error: {_one_line(str(error))}") from None
    _make_references_quiet(compiled.root_element)
    return compiled


@lru_cache(maxsize=256)
def _constant_output(template: str) -> str | None:
    """What a template without any reference or directive renders to, or None.

    Velocity's references start with `$` and its directives and comments with `#`: a template
    with neither (a MOCK request template such as `{"statusCode": 200}`, SAM's `{}`) cannot
    depend on what it is given, so it is rendered once, by airspeed, and the text is reused.
    """
    if "$" in template or "#" in template:
        return None
    compiled = _compile(template)
    try:
        return compiled.merge({})
    except airspeed.TemplateError as error:
        raise VtlError(f"mapping template failed: {_one_line(str(error))}") from None


# A template made of text and plain references (`$context.identity.cognitoIdentityId`) only:
# each part is text or (reference element, its chain of names).
_Plan = tuple[str | tuple[Any, tuple[Any, ...]], ...]


@lru_cache(maxsize=256)
def _text_and_references(template: str) -> _Plan | None:
    """The plan of a template that is only text and plain references, or None.

    Most response templates are JSON with a few `$context` references in it, and airspeed's
    element-by-element evaluation of them was the largest cost of a MOCK answer. Such a
    template is parsed by airspeed as usual; only its evaluation is done by _render_plan.
    """
    parts: list[str | tuple[Any, tuple[Any, ...]]] = []
    for child in _compile(template).root_element.block.children:
        if type(child) is airspeed.Text:
            parts.append(child.text)
            continue
        if type(child) is not airspeed.FormalReference or child.alternate is not None:
            return None
        chain = _name_chain(child.expression)
        if chain is None:
            return None
        parts.append((child, chain))
    return tuple(parts)


def _name_chain(expression: Any) -> tuple[Any, ...] | None:
    """The names of `$a.b.c`, or None for anything else (calls, indexes, bare `$`)."""
    names = []
    while expression is not None:
        if type(expression) is not airspeed.VariableExpression:
            return None
        part = expression.part
        if part.parameters is not None or part.index is not None:
            return None
        names.append(part)
        sub = expression.subexpression
        expression = sub.expression if sub is not None else None
    return tuple(names) if names else None


def _render_plan(plan: _Plan, namespace: dict[str, Any]) -> str | None:
    """What airspeed renders for a plan, or None to leave it to airspeed.

    A step into a dict that holds the name with a non-null value is what airspeed's NameOrCall
    does too (`current[name]`, nothing else tried); every other step (a missing or null key,
    an object such as `$input`) is airspeed's own NameOrCall. References are quiet (see
    _make_references_quiet): null renders as "". Any error: None, so airspeed renders the
    template again and reports the error its way.
    """
    out: list[str] = []
    scope: Any = None
    loader = None
    try:
        for part in plan:
            if isinstance(part, str):
                out.append(part)
                continue
            _, chain = part
            value = namespace.get(chain[0].name)  # the top-level lookup (LocalNamespace)
            for step in chain[1:]:
                found = value.get(step.name) if type(value) is dict else None
                if found is None:
                    if scope is None:
                        scope, loader = airspeed.LocalNamespace(namespace), airspeed.NullLoader()
                    found = step.calculate(value, loader, scope)
                value = found
            out.append("" if value is None else str(value))
    except Exception:  # airspeed renders it again and raises its own error
        return None
    return "".join(out)


def _make_references_quiet(root: Any) -> None:
    """Mark every reference of a parsed template quiet, i.e. rewrite `$ref` as `$!ref`."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        element = pending.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        if isinstance(element, airspeed.FormalReference):
            if not hasattr(element, "silent"):
                raise RuntimeError("airspeed changed: FormalReference has no 'silent' flag")
            element.silent = True
        for value in vars(element).values():
            for child in value if isinstance(value, list) else [value]:
                # Some elements keep only a bound method of a child (e.g. `calculate`).
                child = getattr(child, "__self__", child)
                if type(child).__module__ == airspeed.__name__ and hasattr(child, "__dict__"):
                    pending.append(child)


def _one_line(text: str) -> str:
    return " ".join(text.split())


_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    # airspeed gives Velocity's map methods (keySet, isEmpty, ...) to plain dicts only. A fresh
    # copy per render, too: a template may change a map it is given ($context.put(...)).
    # Plain dicts of scalars first, by exact type: they are all of a $context, copied on every
    # render, and the isinstance / Mapping ABC checks below are several times slower.
    if type(value) is dict:
        return {str(k): v if type(v) in _SCALAR_TYPES else _plain(v) for k, v in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# $input
# --------------------------------------------------------------------------------------------

_PATH_STEP = re.compile(
    r"""\.([^.\[\]]+)|\[\s*(\d+)\s*\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]"""
)


def _json_path(document: Any, path: str) -> tuple[bool, Any]:
    """Evaluate the JSONPath subset; returns (found, value)."""
    path = path.strip()
    if not path.startswith("$"):
        raise VtlError(f"JSONPath {path!r} must start with '$'")
    position, value = 1, document
    while position < len(path):
        match = _PATH_STEP.match(path, position)
        if match is None:
            raise VtlError(
                f"JSONPath {path!r} is outside the supported subset ($, .key, ['key'], [n])"
            )
        key, index, quoted, double_quoted = match.groups()
        position = match.end()
        if index is not None:
            if not isinstance(value, list) or int(index) >= len(value):
                return False, None
            value = value[int(index)]
        else:
            name = key if key is not None else quoted if quoted is not None else double_quoted
            if not isinstance(value, dict) or name not in value:
                return False, None
            value = value[name]
    return True, value


class _Input:
    """`$input`: the method request's payload and parameters."""

    def __init__(self, request: VtlRequest) -> None:
        self._request = request
        self.body = request.body.decode("utf-8", errors="replace")

    def _document(self) -> Any:
        # API Gateway treats an empty payload as the empty object.
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except json.JSONDecodeError as error:
            raise VtlError(f"$input: the request body is not JSON ({error})") from None

    def json(self, path: str) -> str:
        """The JSON text at `path` (empty when nothing is there)."""
        found, value = _json_path(self._document(), path)
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False) if found else ""

    def path(self, path: str) -> Any:
        """The object at `path`, for use in the template (null when nothing is there)."""
        found, value = _json_path(self._document(), path)
        return _plain(value) if found else None

    def params(self, name: str | None = None) -> Any:
        request = self._request
        if name is None:
            return {
                "path": dict(request.path_params),
                "querystring": dict(request.query),
                "header": dict(request.headers),
            }
        # Searched in this order, as API Gateway documents for $input.params(x).
        if name in request.path_params:
            return request.path_params[name]
        if name in request.query:
            return request.query[name]
        lowered = name.lower()  # HTTP header names are case-insensitive
        for header, value in request.headers.items():
            if header.lower() == lowered:
                return value
        return ""


# --------------------------------------------------------------------------------------------
# $util
# --------------------------------------------------------------------------------------------


def escape_javascript(text: Any) -> str:
    """Java's StringEscapeUtils.escapeJavaScript (commons-lang), which API Gateway uses.

    Python has no equivalent (json.dumps differs on ', / and non-ASCII). Java strings are UTF-16,
    so characters outside the BMP come out as two escaped surrogates.
    """
    out = []
    encoded = str(text).encode("utf-16-be")
    for i in range(0, len(encoded), 2):
        code = int.from_bytes(encoded[i : i + 2], "big")
        char = chr(code) if not 0xD800 <= code <= 0xDFFF else ""
        if code > 0x7F:
            out.append(f"\\u{code:04X}")
        elif code < 32:
            named = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}
            out.append(named.get(code, f"\\u{code:04X}"))
        elif char in "'\"\\/":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


class _Util:
    """`$util`."""

    def escapeJavaScript(self, text: Any) -> str:
        return escape_javascript(text)

    def urlEncode(self, text: Any) -> str:
        # java.net.URLEncoder: space as '+', only letters, digits and .-*_ kept ('~' encoded).
        return quote_plus(str(text), safe="*").replace("~", "%7E")

    def urlDecode(self, text: Any) -> str:
        return unquote_plus(str(text))

    def base64Encode(self, text: Any) -> str:
        return base64.b64encode(str(text).encode()).decode()

    def base64Decode(self, text: Any) -> str:
        try:
            return base64.b64decode(str(text), validate=True).decode("utf-8", errors="replace")
        except binascii.Error as error:
            raise VtlError(f"$util.base64Decode: not base64 ({error})") from None

    def parseJson(self, text: Any) -> Any:
        try:
            return _plain(json.loads(str(text)))
        except json.JSONDecodeError as error:
            raise VtlError(f"$util.parseJson: not JSON ({error})") from None


_UTIL = _Util()
