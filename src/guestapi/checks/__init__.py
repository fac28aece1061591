"""The post-deploy check suite: scenarios from events/*.json, run against a stack's outputs.

    scenarios = load_scenarios(Path("events"))
    results = CheckRunner(Target.from_outputs(outputs)).run(scenarios)
    print(render_table(results))

Like the client, it never imports `guestapi.offline`: it cannot tell AWS from the offline stack.
"""

from guestapi.checks.diagnoses import diagnose
from guestapi.checks.report import render_table, to_json, to_junit, write_json, write_junit
from guestapi.checks.runner import CheckResult, CheckRunner, Failure, Observation
from guestapi.checks.scenario import Scenario, ScenarioError, load_scenario, load_scenarios
from guestapi.checks.target import Target, TargetError

__all__ = [
    "CheckResult",
    "CheckRunner",
    "Failure",
    "Observation",
    "Scenario",
    "ScenarioError",
    "Target",
    "TargetError",
    "diagnose",
    "load_scenario",
    "load_scenarios",
    "render_table",
    "to_json",
    "to_junit",
    "write_json",
    "write_junit",
]
