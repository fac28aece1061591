"""The function's CloudWatch metrics, as Powertools Metrics (embedded metric format on stdout).

The contract (docs/attestation.md, "Metrics"; the template's dashboard and alarm read it):
namespace POWERTOOLS_METRICS_NAMESPACE, dimension `service` = POWERTOOLS_SERVICE_NAME, and

    Admitted         {service, kind}  one per admitted /attest or /attest/refresh
    Refused          {service}        one per refusal on /attest or /attest/refresh
    RefusedByCode    {service, code}  one per such refusal
    ChallengesIssued {service}        one per challenge

Powertools keeps one metric set with one dimension set per invocation (shared by all Metrics
instances), printed once by app.handler's log_metrics. An invocation is one request, admitted or
refused, so its set holds either Admitted (with the `kind` dimension added) or Refused or
ChallengesIssued (service only); RefusedByCode, which comes with Refused, has a dimension of its
own and is a single metric, printed at once. Metric values are counts and dimension values are
fixed words (a kind, a refusal code): no evidence, token or secret can reach them.
"""

from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit

# The template sets it; without it Powertools refuses to print any metric, so a stack whose
# template predates the metrics still gets them, under the documented name.
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "GuestApi/Attestation"
metrics = Metrics(namespace=NAMESPACE)
# A refused challenge request counts nothing, so log_metrics finds the set empty: expected, not
# worth a warning.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def admitted(kind: str) -> None:
    # The invocation's only metric, so the `kind` dimension added to the set is its alone.
    metrics.add_dimension(name="kind", value=kind)
    metrics.add_metric(name="Admitted", unit=MetricUnit.Count, value=1)


def refused(code: str) -> None:
    metrics.add_metric(name="Refused", unit=MetricUnit.Count, value=1)
    with single_metric(
        name="RefusedByCode", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="code", value=code)


def challenge_issued() -> None:
    metrics.add_metric(name="ChallengesIssued", unit=MetricUnit.Count, value=1)
