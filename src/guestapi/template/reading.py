"""Reading a template the way CloudFormation reads it: YAML with the short tags (`!Ref`, `!Sub`,
...) or JSON, through aws-sam-translator's parser, with one line for whatever is wrong."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from samtranslator.yaml_helper import yaml_parse

from guestapi.template.intrinsics import TemplateError
from guestapi.textfiles import read_text


def read_template(template: Path | str | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(source, document) of a template file, or a copy of an already parsed one.

    Raises TemplateError, one line naming the source, when the file is missing or unreadable,
    is not YAML/JSON, or is not a mapping with a Resources section of typed resources.
    """
    if isinstance(template, Mapping):
        document: Any = copy.deepcopy(dict(template))
        source = "template"
    else:
        source = str(template)
        hint = "run from the repository root or pass --template"
        text = read_text(Path(template), TemplateError, what="template", missing_hint=hint)
        try:
            document = yaml_parse(text)
        except yaml.YAMLError as error:
            raise TemplateError(f"{source}: malformed YAML: {yaml_problem(error)}") from None
    document = _timestamps_as_strings(document)
    resources = document.get("Resources") if isinstance(document, dict) else None
    if not isinstance(resources, dict) or not resources:
        raise TemplateError(
            f"{source} is not a CloudFormation template: it has no Resources section"
        )
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise TemplateError(f"{source}: resource {logical_id} must be a mapping with a Type")
    return source, document


def resources(template: Mapping[str, Any], *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, properties) of each resource of one of `types`; {} for absent properties."""
    found = template.get("Resources")
    for logical_id, resource in (found if isinstance(found, dict) else {}).items():
        if isinstance(resource, dict) and resource.get("Type") in types:
            properties = resource.get("Properties")
            yield logical_id, properties if isinstance(properties, dict) else {}


def yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


def _timestamps_as_strings(value: Any) -> Any:
    # CloudFormation reads `Version: 2012-10-17` as a string; PyYAML would make it a date.
    if isinstance(value, dict):
        return {k: _timestamps_as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_timestamps_as_strings(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
