"""The post-deploy check suite: scenarios from events/*.json, run against a stack's outputs.

    scenarios = load_scenarios(Path("events"))
    results = CheckRunner(Target.from_outputs(outputs)).run(scenarios)
    print(render_table(results))

Like the client, it never imports `guestapi.offline`: it cannot tell AWS from the offline stack.
"""

from guestapi.checks.diagnoses import diagnose
from guestapi.checks.failures import Aspect, Failure
from guestapi.checks.loading import load_scenario, load_scenario_dirs, load_scenarios
from guestapi.checks.observation import Observation
from guestapi.checks.report import render_table, to_json, to_junit, write_json, write_junit
from guestapi.checks.runner import CheckResult, CheckRunner
from guestapi.checks.scenario import Scenario, ScenarioError, SigningMode
from guestapi.checks.target import Target, TargetError

__all__ = [
    "Aspect",
    "CheckResult",
    "CheckRunner",
    "Failure",
    "Observation",
    "Scenario",
    "ScenarioError",
    "SigningMode",
    "Target",
    "TargetError",
    "diagnose",
    "load_scenario",
    "load_scenario_dirs",
    "load_scenarios",
    "render_table",
    "to_json",
    "to_junit",
    "write_json",
    "write_junit",
]
