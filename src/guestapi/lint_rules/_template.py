"""What the rules share: the SAM-transformed template, and findings placed in the source file.

cfn-lint 1.x no longer runs the SAM transform (it validates `AWS::Serverless::*` against SAM's
schemas), but the mistakes these rules look for only exist after it: SAM writes each method's
`security`, the CORS preflight methods and the gateway responses into the REST API's body.
So the rules transform the template themselves, through `guestapi.template` (the sequence the
offline stack deploys with), the parameters at their defaults.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cfnlint.rules import RuleMatch

from guestapi.template import TemplateError
from guestapi.template.conditions import decide_conditions, decide_ifs
from guestapi.template.local_code import stage_local_code
from guestapi.template.openapi import REST_API
from guestapi.template.parameters import parameter_defaults, pseudo_parameters
from guestapi.template.reading import resources

# One entry: every rule of one cfn-lint run asks about the same template object.
_cache: dict[int, tuple[Any, dict[str, Any] | None]] = {}


def lint_pseudo(cfn: Any) -> dict[str, Any]:
    """Pseudo parameters for the first region cfn-lint lints for, in a placeholder account: the
    transform only needs them to be present."""
    regions = getattr(cfn, "regions", None) or ["us-east-1"]
    return pseudo_parameters(regions[0], "123456789012", "guestapi-lint", "aws")


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
    from guestapi.template.transform import apply_transforms

    pseudo = lint_pseudo(cfn)
    defaults = parameter_defaults(document)
    # The translator accepts only S3 CodeUris (sam package rewrites local ones); without this a
    # template with a local function would fail the transform and every rule would stay silent.
    stage_local_code(document, Path(str(cfn.filename)).parent)
    try:
        result = apply_transforms(
            document, defaults, pseudo, pseudo["AWS::Region"], str(cfn.filename)
        )
        # Each REST API body with its `Fn::If`s decided at the defaults: a path written
        # `!If [Condition, {...}, !Ref AWS::NoValue]` (the /attest routes) is otherwise a mapping
        # the rules cannot read. The copy lint.py makes with every feature on
        # (AttestationMode=enforce) is how those paths get linted.
        decided = decide_conditions(result, defaults, pseudo)
    except TemplateError:
        return None
    for _, properties in resources(result, REST_API):
        if isinstance(properties.get("Body"), dict):
            properties["Body"] = decide_ifs(properties["Body"], decided)
    return result


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
