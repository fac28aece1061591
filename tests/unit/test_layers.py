"""The import contracts of pyproject.toml (`[tool.importlinter]`) hold, and each one can fail.

`lint-imports` checks them in pre-commit and `make lint`; here import-linter checks the same
contracts in process, on this checkout's import graph, and then on that graph with one import
each contract forbids added, so a contract that could never fail would show.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import grimp
import pytest
from importlinter import configuration
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.protected import ProtectedContract
from importlinter.domain.contract import Contract

import guestapi

configuration.configure()  # what lint-imports does first: the contracts time their checks
ROOT = Path(__file__).resolve().parents[2]
SETTINGS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
SESSION = {"root_packages": [SETTINGS["importlinter"]["root_package"]]}
KINDS: dict[str, type[Contract]] = {"forbidden": ForbiddenContract, "protected": ProtectedContract}
CONTRACTS = {
    options["id"]: KINDS[options["type"]](
        name=options["name"], session_options=SESSION, contract_options=options
    )
    for options in SETTINGS["importlinter"]["contracts"]
}
# For each contract, an import (importer, imported) that breaks it.
BREAKS = {
    "client-checks-not-offline": ("guestapi.client.retry", "guestapi.offline.wire"),
    "offline-not-client-checks-cli": ("guestapi.offline.stack", "guestapi.checks.matching"),
    "template-reads-none": ("guestapi.template.reading", "guestapi.lint_rules"),
    "lint-rules-not-offline": ("guestapi.lint_rules._roles", "guestapi.offline.cfn"),
    "cli-imported-by-cli-only": ("guestapi.deploy", "guestapi.cli.arguments"),
}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # This checkout's package, not another copy on the path: the graph is of what is tested.
    assert Path(guestapi.__file__).resolve().is_relative_to(ROOT / "src")
    return grimp.build_graph("guestapi", cache_dir=None)


def test_every_contract_has_an_import_that_breaks_it() -> None:
    assert len(CONTRACTS) >= 5
    assert set(BREAKS) == set(CONTRACTS)


@pytest.mark.parametrize("contract_id", sorted(CONTRACTS))
def test_the_contract_is_kept(graph: grimp.ImportGraph, contract_id: str) -> None:
    check = CONTRACTS[contract_id].check(copy.deepcopy(graph), verbose=False)
    assert check.kept, check.metadata


@pytest.mark.parametrize("contract_id", sorted(CONTRACTS))
def test_the_contract_fails_on_an_import_it_forbids(
    graph: grimp.ImportGraph, contract_id: str
) -> None:
    importer, imported = BREAKS[contract_id]
    assert importer in graph.modules and imported in graph.modules
    broken = copy.deepcopy(graph)
    broken.add_import(importer=importer, imported=imported)
    assert not CONTRACTS[contract_id].check(broken, verbose=False).kept
