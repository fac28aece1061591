"""guestapi.samconfig: the stack settings of a samconfig.toml environment."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from guestapi.samconfig import (
    SamConfigError,
    StackSettings,
    parse_parameter_overrides,
    stack_settings,
)
from guestapi.template.reading import read_template


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "samconfig.toml"
    path.write_text(text)
    return path


def test_project_samconfig_default_is_the_dev_stack(repo_root: Path):
    settings = stack_settings(repo_root / "samconfig.toml", "default")
    assert settings.stack_name == "guest-api-dev"
    assert settings.region is None  # left to the AWS profile / AWS_DEFAULT_REGION
    assert settings.parameter_overrides["StageName"] == "dev"
    assert settings.parameter_overrides["EnableWaf"] == "false"
    assert settings.parameter_overrides["AllowClassicFlow"] == "false"


def test_project_samconfig_prod_has_waf_and_stricter_throttling(repo_root: Path):
    dev = stack_settings(repo_root / "samconfig.toml", "default").parameter_overrides
    prod = stack_settings(repo_root / "samconfig.toml", "prod")
    assert prod.stack_name == "guest-api-prod"
    p = prod.parameter_overrides
    assert p["StageName"] == "prod"
    assert p["EnableWaf"] == "true"
    assert int(p["ThrottlingRateLimit"]) < int(dev["ThrottlingRateLimit"])
    assert int(p["ThrottlingBurstLimit"]) < int(dev["ThrottlingBurstLimit"])
    assert p["AllowClassicFlow"] == "false"


def test_project_samconfig_sam_settings(repo_root: Path):
    data = tomllib.loads((repo_root / "samconfig.toml").read_text())
    assert data["version"] == 0.1
    for env in ("default", "prod"):
        deploy = data[env]["deploy"]["parameters"]
        assert deploy["capabilities"] == "CAPABILITY_IAM"
        assert deploy["confirm_changeset"] is True
        assert data[env]["validate"]["parameters"]["lint"] is True


def test_project_overrides_are_template_parameters_with_allowed_values(repo_root: Path):
    # An override that names no parameter, or breaks a constraint, fails only at deploy time.
    params = read_template(repo_root / "template.yaml")[1]["Parameters"]
    for env in ("default", "prod"):
        for name, value in stack_settings(
            repo_root / "samconfig.toml", env
        ).parameter_overrides.items():
            assert name in params, f"[{env}] {name} is not a template parameter"
            spec = params[name]
            if "AllowedValues" in spec:
                assert value in [str(v) for v in spec["AllowedValues"]], (env, name, value)
            if "AllowedPattern" in spec:
                assert re.fullmatch(spec["AllowedPattern"], value), (env, name, value)
            if spec["Type"] == "Number":
                assert spec.get("MinValue", -1e18) <= float(value) <= spec.get("MaxValue", 1e18)


def test_project_overrides_parse_like_sam_itself(repo_root: Path):
    types = pytest.importorskip("samcli.cli.types")
    data = tomllib.loads((repo_root / "samconfig.toml").read_text())
    for env in ("default", "prod"):
        raw = data[env]["deploy"]["parameters"]["parameter_overrides"]
        sams = types.CfnParameterOverridesType().convert(raw, None, None)
        assert parse_parameter_overrides(raw) == dict(sams)


def test_deploy_table_overrides_global(tmp_path: Path):
    path = write(
        tmp_path,
        """
version = 0.1
[staging.global.parameters]
stack_name = "from-global"
region = "eu-west-1"
[staging.deploy.parameters]
stack_name = "from-deploy"
parameter_overrides = ["StageName=staging", "AllowedOrigin=https://a.example.com"]
""",
    )
    assert stack_settings(path, "staging") == StackSettings(
        stack_name="from-deploy",
        region="eu-west-1",
        parameter_overrides={"StageName": "staging", "AllowedOrigin": "https://a.example.com"},
    )


def test_environments_do_not_inherit_from_default(tmp_path: Path):
    path = write(
        tmp_path,
        """
[default.global.parameters]
stack_name = "dev"
[other.deploy.parameters]
capabilities = "CAPABILITY_IAM"
""",
    )
    with pytest.raises(SamConfigError, match=r"\[other\] sets no stack_name"):
        stack_settings(path, "other")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('A="x" B=y', {"A": "x", "B": "y"}),
        ("Origin='https://a.example.com' Rate=5", {"Origin": "https://a.example.com", "Rate": "5"}),
        ('Msg="two words"', {"Msg": "two words"}),
        ("ParameterKey=A,ParameterValue=x", {"A": "x"}),
        ("", {}),
        (["A=x=y"], {"A": "x=y"}),
    ],
)
def test_parse_parameter_overrides(raw, expected):
    assert parse_parameter_overrides(raw) == expected


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ("A", "is not Name=Value"),
        ("=x", "is not Name=Value"),
        ('A="unterminated', "malformed"),
        ({"A": "x"}, "string or a list"),
    ],
)
def test_parse_parameter_overrides_rejects_malformed(raw, match):
    with pytest.raises(SamConfigError, match=match):
        parse_parameter_overrides(raw)


def test_missing_file(tmp_path: Path):
    with pytest.raises(SamConfigError, match="not found: run `sam deploy --guided`"):
        stack_settings(tmp_path / "samconfig.toml", "default")


def test_unknown_env_lists_the_known_ones(repo_root: Path):
    with pytest.raises(SamConfigError, match=r"no environment 'qa' \(it has: default, prod\)"):
        stack_settings(repo_root / "samconfig.toml", "qa")


def test_malformed_toml(tmp_path: Path):
    with pytest.raises(SamConfigError, match="not valid TOML"):
        stack_settings(write(tmp_path, "[default\n"), "default")
