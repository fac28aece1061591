"""Lint the SAM template with cfn-lint, `sam validate --lint` and checkov.

Each tool does its own job; this module only runs them side by side and collects what they
say. cfn-lint also runs the project's own rules (`guestapi.lint_rules`: AWS_IAM on every
method, a concrete guest policy, a pinned trust, ...), loaded the way cfn-lint loads any
custom rules, with `--append-rules`. It adds two things no tool does: checkov also scans a copy
with every optional feature switched on (it only evaluates parameter defaults), and every
checkov suppression in the template (``Metadata: checkov: skip:``) must carry a written reason.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guestapi.template.reading import read_template
from guestapi.tools import find_tool


@dataclass(frozen=True)
class LintCommand:
    name: str
    argv: list[str]


@dataclass(frozen=True)
class LintResult:
    name: str
    returncode: int
    output: str
    summary: str = ""  # a short line for the clean case (e.g. checkov's counts)

    @property
    def clean(self) -> bool:
        return self.returncode == 0


@dataclass(frozen=True)
class Suppression:
    resource: str
    check_id: str
    reason: str


def checkov_suppressions(template: dict[str, Any]) -> Iterator[Suppression]:
    for logical_id, resource in template["Resources"].items():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        checkov = metadata.get("checkov") if isinstance(metadata, dict) else None
        skips = checkov.get("skip") if isinstance(checkov, dict) else None
        for skip in skips or []:
            if isinstance(skip, dict):
                reason = skip.get("comment")
                yield Suppression(
                    resource=logical_id,
                    check_id=str(skip.get("id", "")),
                    reason=reason.strip() if isinstance(reason, str) else "",
                )


def suppression_result(template: dict[str, Any]) -> LintResult:
    suppressions = list(checkov_suppressions(template))
    unexplained = [s for s in suppressions if not s.check_id or len(s.reason) < 10]
    if unexplained:
        lines = [
            f"{s.resource}: checkov skip {s.check_id or '(no id)'} has no written reason (comment:)"
            for s in unexplained
        ]
        return LintResult("checkov suppressions", 1, "\n".join(lines))
    ids = ", ".join(f"{s.check_id} on {s.resource}" for s in suppressions) or "none"
    return LintResult("checkov suppressions", 0, "", summary=f"each has a reason: {ids}")


def feature_toggles(template: dict[str, Any]) -> list[str]:
    """Parameters named Enable* that take "true"/"false" and default to "false": each switches
    optional resources on (one already on by default needs no switching)."""
    return [
        name
        for name, spec in template.get("Parameters", {}).items()
        if name.startswith("Enable")
        and isinstance(spec, dict)
        and sorted(map(str, spec.get("AllowedValues", []))) == ["false", "true"]
        and str(spec.get("Default")) == "false"
    ]


def mode_settings(template: dict[str, Any]) -> dict[str, str]:
    """Parameters named *Mode whose first value is "off": their last value turns most on.

    AttestationMode's enforce adds the attestation function, table and role that "off" (the
    default, which checkov evaluates) leaves out.
    """
    settings: dict[str, str] = {}
    for name, spec in template.get("Parameters", {}).items():
        allowed = [str(v) for v in spec.get("AllowedValues", [])] if isinstance(spec, dict) else []
        if name.endswith("Mode") and len(allowed) > 1 and allowed[0] == "off":
            settings[name] = allowed[-1]
    return settings


def write_features_on_copy(template: dict[str, Any], directory: Path) -> tuple[Path, list[str]]:
    """A JSON copy of the template with every Enable* parameter defaulting to "true".

    checkov evaluates Conditions with the parameters' defaults, so by default it never sees
    the optional resources (WAF, access log group) that the prod environment turns on.
    """
    toggles = feature_toggles(template)
    copy = json.loads(json.dumps(template))
    for name in toggles:
        copy["Parameters"][name]["Default"] = "true"
    for name, value in mode_settings(template).items():
        copy["Parameters"][name]["Default"] = value
        toggles.append(f"{name}={value}")
    path = directory / "template-features-on.json"
    path.write_text(json.dumps(copy, indent=1), encoding="utf-8")
    return path, toggles


def _cfn_lint(cfn_lint: str, target: Path) -> list[str]:
    # Informational findings fail too: "nothing reported" is the bar. The `=` form, since
    # --append-rules takes several values and would swallow the template path after it.
    return [
        cfn_lint,
        "--non-zero-exit-code",
        "informational",
        f"--append-rules={CFN_LINT_RULES}",
        str(target),
    ]


def _checkov(checkov: str, target: Path) -> list[str]:
    # --skip-download: no call to the Bridgecrew platform (offline-safe, nothing to send).
    return [
        checkov,
        "--file",
        str(target),
        "--framework",
        "cloudformation",
        "--compact",
        "--quiet",
        "--skip-download",
    ]


# A module path, not a directory: cfn-lint imports it, so the rules work from the wheel too.
CFN_LINT_RULES = "guestapi.lint_rules"


def lint_commands(
    template: Path,
    find: Callable[[str], str] = find_tool,
    features_on: tuple[Path, list[str]] | None = None,
) -> list[LintCommand]:
    """The tool invocations. Every tool is located first, so a missing one stops the run."""
    cfn_lint, sam, checkov = find("cfn-lint"), find("sam"), find("checkov")
    commands = [
        LintCommand("cfn-lint", _cfn_lint(cfn_lint, template)),
        LintCommand(
            "sam validate --lint", [sam, "validate", "--lint", "--template", str(template)]
        ),
        LintCommand("checkov", _checkov(checkov, template)),
    ]
    if features_on and features_on[1]:
        path, toggles = features_on
        name = f"({', '.join(toggles)} on)"
        # cfn-lint too: our rules read the API body as deployed at the defaults, so only this
        # copy shows them the routes a mode adds (the /attest routes of AttestationMode).
        commands.append(LintCommand(f"cfn-lint {name}", _cfn_lint(cfn_lint, path)))
        commands.append(LintCommand(f"checkov {name}", _checkov(checkov, path)))
    return commands


_CHECKOV_COUNTS = re.compile(r"Passed checks: \d+, Failed checks: \d+, Skipped checks: \d+")

Runner = Callable[..., subprocess.CompletedProcess[str]]


def _run_one(command: LintCommand, cwd: Path, runner: Runner) -> LintResult:
    env = dict(os.environ)
    env.setdefault("SAM_CLI_TELEMETRY", "0")
    done = runner(command.argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    output = "\n".join(part.strip() for part in (done.stdout, done.stderr) if part and part.strip())
    counts = _CHECKOV_COUNTS.search(output)
    return LintResult(
        command.name, done.returncode, output, summary=counts.group(0) if counts else ""
    )


def run_lint(
    template: Path,
    *,
    runner: Runner = subprocess.run,
    find: Callable[[str], str] = find_tool,
) -> list[LintResult]:
    """Check the template parses, then run the tools concurrently (they are independent)."""
    _, parsed = read_template(template)
    with tempfile.TemporaryDirectory(prefix="guestapi-lint-") as scratch:
        features_on = write_features_on_copy(parsed, Path(scratch))
        commands = lint_commands(template.resolve(), find, features_on)
        # cwd = the template's directory: sam reads samconfig.toml and cfn-lint .cfnlintrc there.
        cwd = template.resolve().parent
        with ThreadPoolExecutor(max_workers=len(commands)) as pool:
            results = list(pool.map(lambda c: _run_one(c, cwd, runner), commands))
    return [*results, suppression_result(parsed)]


def report(results: list[LintResult], echo: Callable[[str], None] = print) -> int:
    """Print each tool's verdict (and its findings); 0 when every tool is clean, else 1."""
    for result in results:
        if result.clean:
            echo(f"{result.name}: ok" + (f" ({result.summary})" if result.summary else ""))
        else:
            echo(f"{result.name}: FINDINGS (exit {result.returncode})")
            for line in result.output.splitlines():
                echo(f"    {line}")
    failed = [r.name for r in results if not r.clean]
    if failed:
        echo(f"lint: findings from {', '.join(failed)}")
        return 1
    echo("lint: no findings")
    return 0
