"""What the rules share: the SAM-transformed template, parameter defaults and source paths.

cfn-lint 1.x no longer runs the SAM transform (it validates `AWS::Serverless::*` against SAM's
schemas), but the mistakes these rules look for only exist after it: SAM writes each method's
`security`, the CORS preflight methods and the gateway responses into the REST API's body.
So the rules transform the template themselves, with the same aws-sam-translator sequence the
offline stack deploys with, the parameters at their defaults.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cfnlint.rules import RuleMatch

# Pseudo parameters for the transform: the translator only needs them to be present.
_PSEUDO = {
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "guestapi-lint",
    "AWS::URLSuffix": "amazonaws.com",
}

# One entry: every rule of one cfn-lint run asks about the same template object.
_cache: dict[int, tuple[Any, dict[str, Any] | None]] = {}


def parameter_defaults(template: dict[str, Any]) -> dict[str, str]:
    parameters = template.get("Parameters")
    if not isinstance(parameters, dict):
        return {}
    return {
        name: str(spec["Default"])
        for name, spec in parameters.items()
        if isinstance(spec, dict) and "Default" in spec
    }


def transformed(cfn: Any) -> dict[str, Any] | None:
    """The template after the SAM transform (itself when it has none); None when it fails.

    A template SAM cannot transform gets its own finding from cfn-lint's schema rules and
    `sam validate`, so these rules then stay silent rather than guess.
    """
    cached = _cache.get(id(cfn))
    if cached is not None and cached[0] is cfn:
        return cached[1]
    # Plain dicts and strings: cfn-lint's nodes carry line marks the translator does not expect.
    document = json.loads(json.dumps(cfn.template))
    result: dict[str, Any] | None = document
    if document.get("Transform"):
        result = _sam_transform(document, cfn)
    _cache.clear()
    _cache[id(cfn)] = (cfn, result)
    return result


def _sam_transform(document: dict[str, Any], cfn: Any) -> dict[str, Any] | None:
    # Imported here: the translator is slow to import and only SAM templates need it.
    from guestapi.offline.cfn.intrinsics import TemplateError
    from guestapi.offline.cfn.local_code import stage_local_code
    from guestapi.offline.cfn.transform import apply_transforms

    regions = getattr(cfn, "regions", None) or ["us-east-1"]
    pseudo = {**_PSEUDO, "AWS::Region": regions[0]}
    # The translator accepts only S3 CodeUris (sam package rewrites local ones); without this a
    # template with a local function would fail the transform and every rule would stay silent.
    stage_local_code(document, Path(str(cfn.filename)).parent, require_dirs=False)
    try:
        result = apply_transforms(
            document, parameter_defaults(document), pseudo, regions[0], str(cfn.filename)
        )
        return _bodies_as_deployed(result, parameter_defaults(document), pseudo)
    except TemplateError:
        return None


def _bodies_as_deployed(
    template: dict[str, Any], parameters: dict[str, str], pseudo: dict[str, str]
) -> dict[str, Any]:
    """Each REST API body with its `Fn::If`s decided at the parameter defaults.

    A path written `!If [Condition, {...}, !Ref AWS::NoValue]` (the /attest routes) is otherwise a
    mapping the rules cannot read, and would go unchecked. The copy lint.py makes with every
    feature on (AttestationMode=enforce) is how those paths get linted.
    """
    from guestapi.offline.cfn.decided import decide_conditions, decide_ifs

    decided = decide_conditions(template, parameters, pseudo)
    for _, properties in resources(template, "AWS::ApiGateway::RestApi"):
        if isinstance(properties.get("Body"), dict):
            properties["Body"] = decide_ifs(properties["Body"], decided)
    return template


def resources(template: dict[str, Any], *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
    found = template.get("Resources")
    for logical_id, resource in (found if isinstance(found, dict) else {}).items():
        if isinstance(resource, dict) and resource.get("Type") in types:
            properties = resource.get("Properties")
            yield logical_id, properties if isinstance(properties, dict) else {}


class OnTransformedTemplate:
    """Mixin for a rule that reads the SAM-transformed template: `match` calls `check` with it,
    or finds nothing when the template cannot be transformed (cfn-lint reports that itself).

    Not a `CloudFormationLintRule` subclass on purpose: cfn-lint loads every such class a rule
    module holds as a rule, so a shared base class would be loaded as a rule of its own.
    """

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = transformed(cfn)
        return [] if template is None else self.check(cfn, template)

    def check(self, cfn: Any, template: dict[str, Any]) -> list[RuleMatch]:
        raise NotImplementedError


def api_bodies(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, OpenAPI body) of each REST API whose body the transform left as a mapping."""
    for api_id, properties in resources(template, "AWS::ApiGateway::RestApi"):
        body = properties.get("Body")
        if isinstance(body, dict):
            yield api_id, body


def source_match(cfn: Any, path: Sequence[str | int], message: str) -> RuleMatch:
    """A match at the deepest part of `path` that exists in the source template.

    The transformed template has paths (OPTIONS methods, generated resources) that the file
    the user edits does not, and cfn-lint finds the line number from the source.
    """
    node: Any = cfn.template
    found: list[str | int] = []
    for key in path:
        in_dict = isinstance(node, dict) and key in node
        in_list = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if not (in_dict or in_list):
            break
        node = node[key]
        found.append(key)
    return RuleMatch(found or ["Resources"], message)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
