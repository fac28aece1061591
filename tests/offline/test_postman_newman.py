"""The exported Postman collection, run by newman against the offline stack.

newman is Postman's command-line runner (package.json devDependencies; `make web` installs it
with `npm ci`). It signs with the same awsv4 auth as the Postman app (postman-runtime's
lib/authorizer/aws4.js), and runs the collection's pre-request script that gets guest
credentials from the offline Cognito.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from guestapi.cli.export import main as export_main
from guestapi.outputs import write_outputs_file

# newman (a Node tool) runs the collection: a real-tool run, kept out of `make test`.
pytestmark = [pytest.mark.offline, pytest.mark.slow]


@pytest.fixture(scope="module")
def newman(repo_root: Path) -> Path:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: newman (npm) cannot run")
    path = repo_root / "node_modules" / ".bin" / "newman"
    assert path.exists(), "node_modules/.bin/newman is missing: run `make web` (npm ci) first"
    return path


@pytest.fixture
def exported(offline_outputs: dict[str, str], tmp_path: Path) -> tuple[Path, Path]:
    outputs_file = tmp_path / "outputs-local.json"
    write_outputs_file(offline_outputs, outputs_file)
    out_dir = tmp_path / "postman"
    assert (
        export_main(["postman", "--outputs-file", str(outputs_file), "--out-dir", str(out_dir)])
        == 0
    )
    return (
        out_dir / "guest-api.postman_collection.json",
        out_dir / "guest-api.postman_environment.json",
    )


def run_newman(
    newman: Path, collection: Path, environment: Path, tmp_path: Path
) -> tuple[int, dict[str, Any]]:
    report = tmp_path / f"{collection.stem}.report.json"
    done = subprocess.run(
        [
            str(newman),
            "run",
            str(collection),
            "-e",
            str(environment),
            "--reporters",
            "json",
            "--reporter-json-export",
            str(report),
            "--export-environment",
            str(tmp_path / "env-after.json"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, json.loads(report.read_text())


def assertions(report: dict[str, Any]) -> dict[str, bool]:
    return {
        a["assertion"]: "error" not in a
        for execution in report["run"]["executions"]
        for a in execution.get("assertions", [])
    }


def codes(report: dict[str, Any]) -> dict[str, int]:
    return {e["item"]["name"]: e["response"]["code"] for e in report["run"]["executions"]}


def test_collection_passes_against_the_offline_stack(
    newman: Path, exported: tuple[Path, Path], tmp_path: Path
) -> None:
    code, report = run_newman(newman, *exported, tmp_path)
    assert assertions(report) == {
        "a signed guest call is answered 200": True,
        "the API saw this install's guest identity": True,
        "a signed guest POST is refused with 403": True,
    }
    assert code == 0
    assert sorted(codes(report).values()) == [200, 403]
    # the script stored one identity and the keys in the environment, for the next run
    after = {
        v["key"]: v["value"]
        for v in json.loads((tmp_path / "env-after.json").read_text())["values"]
    }
    assert after["identityId"].startswith("us-east-1:") and after["accessKeyId"].startswith("ASIA")


def test_without_the_signature_the_collection_fails(
    newman: Path, exported: tuple[Path, Path], tmp_path: Path
) -> None:
    """The control: the same GET with its auth turned off is refused, and the run fails."""
    collection_path, environment = exported
    collection = json.loads(collection_path.read_text())
    unsigned = copy.deepcopy(collection)
    unsigned["item"][0]["request"]["auth"] = {"type": "noauth"}
    unsigned_path = tmp_path / "unsigned.postman_collection.json"
    unsigned_path.write_text(json.dumps(unsigned))

    code, report = run_newman(newman, unsigned_path, environment, tmp_path)
    assert code != 0
    assert codes(report)[collection["item"][0]["name"]] == 403
    assert assertions(report)["a signed guest call is answered 200"] is False


# ------------------------------------------------ an attested install, by a debug token
DEBUG_TOKEN = (
    "p0stMaN-d3bUg_t0KeN-Rv8Wq3Zk5Lx2Nc7Hj4Bs9Ty"  # 43 characters, as debug_token.py makes
)


@pytest.fixture(scope="module")
def enforce_exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    from guestapi.cli.debug_token import token_hash
    from guestapi.offline import launch

    overrides = {"AttestationMode": "enforce", "DebugTokenHashes": token_hash(DEBUG_TOKEN)}
    offline = launch.build(overrides=overrides, stack_name="postman-enforce")
    with launch.running(offline) as outputs:
        work = tmp_path_factory.mktemp("postman-enforce")
        outputs_file = work / "outputs.json"
        write_outputs_file(outputs, outputs_file)
        out_dir = work / "postman"
        argv = ["postman", "--outputs-file", str(outputs_file), "--out-dir", str(out_dir)]
        assert export_main(argv) == 0
        yield (
            out_dir / "guest-api.postman_collection.json",
            out_dir / "guest-api.postman_environment.json",
        )


def _with_debug_token(environment: Path, token: str, tmp_path: Path) -> Path:
    document = json.loads(environment.read_text())
    for value in document["values"]:
        if value["key"] == "debugToken":
            value["value"] = token
    path = tmp_path / "with-token.postman_environment.json"
    path.write_text(json.dumps(document))
    return path


def test_with_a_debug_token_the_collection_is_an_attested_install(
    newman: Path, enforce_exported: tuple[Path, Path], tmp_path: Path
) -> None:
    collection, environment = enforce_exported
    code, report = run_newman(
        newman, collection, _with_debug_token(environment, DEBUG_TOKEN, tmp_path), tmp_path
    )
    assert code == 0, assertions(report)
    assert sorted(codes(report).values()) == [200, 403]
    after = {
        v["key"]: v["value"]
        for v in json.loads((tmp_path / "env-after.json").read_text())["values"]
    }
    assert after["identityId"].startswith("us-east-1:")


def test_in_enforce_mode_the_collection_as_a_guest_fails(
    newman: Path, enforce_exported: tuple[Path, Path], tmp_path: Path
) -> None:
    """The control: the same collection with no debug token is a guest, which enforce refuses."""
    code, report = run_newman(newman, *enforce_exported, tmp_path)
    assert code != 0
    assert assertions(report).get("a signed guest call is answered 200") is not True
