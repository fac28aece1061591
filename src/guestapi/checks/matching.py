"""Evaluating `Matcher`s against observed values, with `$variable` substitution."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from guestapi.checks.scenario import VARIABLE, Matcher


def substitute(text: str, variables: Mapping[str, str]) -> str:
    """Replace `$name` placeholders; an unknown name is left as written (the loader refuses
    unknown names, so this only happens for a variable with no value in this run)."""
    return VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def resolved(matcher: Matcher, variables: Mapping[str, str]) -> Matcher:
    value: Any = matcher.value
    if isinstance(value, str):
        value = substitute(value, variables)
    elif isinstance(value, list):
        value = [substitute(v, variables) for v in value]
    return Matcher(matcher.kind, value)


def matches(matcher: Matcher, actual: str | None) -> bool:
    """Does `actual` (None = absent) satisfy an already-resolved matcher?"""
    kind, value = matcher.kind, matcher.value
    if kind == "present":
        return (actual is not None) is value
    if actual is None:
        return False
    if kind == "equals":
        return actual == value
    if kind == "startswith":
        return actual.startswith(value)
    if kind == "contains":
        return value in actual
    if kind == "one_of":
        return actual in value
    if kind == "contains_all":
        # Header lists such as Access-Control-Allow-Headers: comma-separated, case-insensitive.
        items = {item.strip().lower() for item in actual.split(",")}
        return all(v.lower() in items for v in value)
    if kind == "matches":
        return re.search(value, actual) is not None
    raise ValueError(f"unknown matcher kind {kind!r}")


def json_field(document: Any, dotted: str) -> str | None:
    """`a.b` in a parsed JSON document, as text (None when absent); non-strings as JSON text."""
    node = document
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if node is None:
        return None
    if isinstance(node, str):
        return node
    return json.dumps(node)
