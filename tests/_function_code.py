"""The Lambda functions of the project's templates, and what their code imports.

For the checks that a function deploys with everything it imports: its `requirements.txt`
(tests/unit/test_dependency_locks.py) and what `sam build` puts beside it
(tests/packaging/test_example_builds.py). Imports are read with ast, so nothing is executed.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

from guestapi.template.reading import read_template

ROOT = Path(__file__).resolve().parent.parent
# Every template a user deploys: the project's own and each example's.
TEMPLATES = [ROOT / "template.yaml", *sorted(ROOT.glob("examples/*/template.yaml"))]
# The Lambda Python runtime ships these; a function need not (and the project's do not) bundle them.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore"})


@dataclass(frozen=True)
class Function:
    template: Path
    logical_id: str
    code: Path  # the CodeUri directory

    @property
    def name(self) -> str:
        return f"{self.template.relative_to(ROOT)}:{self.logical_id}"


def functions(template: Path) -> list[Function]:
    resources = read_template(template)[1]["Resources"]
    return [
        Function(template, logical_id, (template.parent / r["Properties"]["CodeUri"]).resolve())
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function"
    ]


def all_functions() -> list[Function]:
    return [f for template in TEMPLATES for f in functions(template)]


def third_party_imports(code: Path) -> set[str]:
    """Top-level names the code imports that neither the standard library, the runtime, nor
    the code's own modules provide."""
    own = {p.stem for p in code.glob("*.py")} | {p.parent.name for p in code.glob("*/__init__.py")}
    found: set[str] = set()
    for source in code.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - RUNTIME_PROVIDED - own - {"__future__"}
