"""The SAM transform, with aws-sam-translator, as sam-cli applies it (step 3 of a deploy)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import boto3
from samtranslator.feature_toggle.feature_toggle import (
    FeatureToggle,
    FeatureToggleDefaultConfigProvider,
)
from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
from samtranslator.model.exceptions import ExceptionWithMessage
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.utils.py27hash_fix import (
    to_py27_compatible_template,
    undo_mark_unicode_str_in_template,
)

from guestapi.template.intrinsics import TemplateError

SERVERLESS_TRANSFORM = "AWS::Serverless-2016-10-31"


class _OfflineManagedPolicyLoader:
    """The translator's fallback for managed-policy names, answering without calling IAM.

    aws-sam-translator first looks names up in the map it bundles (every AWS managed policy per
    partition) and only calls this loader for names it does not know. The real loader would
    paginate iam:ListPolicies, which this machine cannot reach; an empty map leaves such a name
    as written, which is what the transform does when IAM has no policy of that name either.
    """

    def load(self) -> dict[str, str]:
        return {}


class _FeaturesOff(FeatureToggle):
    """Every SAM feature toggle off, as with the translator's default config, minus its log noise.

    The default provider answers "off" to every feature but logs a WARNING for each query,
    which would print on every start of the offline stack.
    """

    def __init__(self) -> None:
        super().__init__(
            FeatureToggleDefaultConfigProvider(), stage=None, account_id=None, region=None
        )

    def is_enabled(self, feature_name: str) -> bool:
        return False


def apply_transforms(
    document: dict[str, Any],
    parameter_values: Mapping[str, str],
    pseudo: Mapping[str, Any],
    region: str,
    source: str,
) -> dict[str, Any]:
    transforms = document.get("Transform") or []
    if isinstance(transforms, str):
        transforms = [transforms]
    unsupported = [t for t in transforms if t != SERVERLESS_TRANSFORM]
    if unsupported:
        raise TemplateError(
            f"{source}: transform {unsupported[0]} is not supported by the offline stack "
            f"(only {SERVERLESS_TRANSFORM})"
        )
    if not transforms:
        return document
    # Parameter values as sam-cli hands them to the translator: pseudo parameters, then the
    # template's values (defaults and overrides).
    values: dict[str, Any] = {k: v for k, v in pseudo.items() if isinstance(v, str)}
    values.update(parameter_values)
    # `samtranslator.translator.transform.transform()` builds its Translator without a boto3
    # session, so the translator would take the region from the environment (and fail when none
    # is configured). This is the same sequence with a session for the stack's region, as
    # sam-cli's template validator does. Its metrics go nowhere; publishing them ourselves keeps
    # the translator from warning about unpublished metrics at exit.
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        boto_session=boto3.session.Session(region_name=region),
        metrics=metrics,
    )
    loader = _OfflineManagedPolicyLoader()
    fragment = copy.deepcopy(document)
    to_py27_compatible_template(fragment, values)
    try:
        transformed = translator.translate(
            fragment,
            parameter_values=values,
            feature_toggle=_FeaturesOff(),
            get_managed_policy_map=loader.load,
        )
    except ExceptionWithMessage as error:
        causes = getattr(error, "causes", None) or []
        message = " ".join([error.message, *(cause.message for cause in causes)])
        raise TemplateError(
            f"{source}: SAM transform failed: {' '.join(message.split())}"
        ) from None
    finally:
        metrics.publish()
    return undo_mark_unicode_str_in_template(transformed)
