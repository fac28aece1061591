"""Start-up of the offline stack: `scripts/local.py` from spawn to outputs, and to first answer.

"Outputs" is the moment the outputs file exists: the template has been transformed (SAM), the
stack model built and the port bound. "First answer" adds uvicorn's start and one HTTP answer.
A fresh interpreter each run, so imports (botocore, the SAM translator, uvicorn) are included.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from offline_process import start_offline


@dataclass(frozen=True)
class StartupResult:
    runs: int
    outputs_s: list[float]
    first_answer_s: list[float]

    @property
    def median_outputs_s(self) -> float:
        return median(self.outputs_s)

    @property
    def median_first_answer_s(self) -> float:
        return median(self.first_answer_s)

    @property
    def worst_first_answer_s(self) -> float:
        return max(self.first_answer_s)


def measure(*, runs: int = 3) -> StartupResult:
    outputs_s, first_answer_s = [], []
    for _ in range(runs):
        with start_offline() as process:
            outputs_s.append(process.outputs_s)
            first_answer_s.append(process.first_answer_s)
    return StartupResult(runs, outputs_s, first_answer_s)
