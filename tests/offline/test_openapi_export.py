"""`export.py openapi` on the offline stack: the export of what it serves, compared with the
template's definition (paths, methods, security, integrations)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from guestapi.cli.export import main as export_main
from guestapi.outputs import write_outputs_file
from guestapi.template.reading import read_template


def export(outputs: dict[str, str], template: Path, tmp_path: Path) -> dict[str, Any]:
    outputs_file = tmp_path / "outputs-local.json"
    write_outputs_file(outputs, outputs_file)
    out = tmp_path / "openapi.json"
    argv = [
        "openapi",
        "--outputs-file",
        str(outputs_file),
        "--template",
        str(template),
        "--out",
        str(out),
    ]
    assert export_main(argv) == 0
    return json.loads(out.read_text())


def api_properties(template: Path) -> dict[str, Any]:
    resources = read_template(template)[1]["Resources"]
    (api,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Serverless::Api"]
    return api


def test_export_matches_the_template_definition(
    offline_outputs: dict[str, str], template_path: Path, tmp_path: Path
) -> None:
    document = export(offline_outputs, template_path, tmp_path)
    api = api_properties(template_path)
    body = api["DefinitionBody"]
    assert document["openapi"].startswith("3.0")
    assert document["servers"] == [{"url": offline_outputs["ApiUrl"]}]

    # every method the template writes is exported with its integration, as written (the
    # /attest routes are `Fn::If`s on AttestationMode, off in this stack: not deployed)
    for path, methods in body["paths"].items():
        if set(methods) == {"Fn::If"}:
            assert path not in document["paths"]
            continue
        for method, spec in methods.items():
            exported = document["paths"][path][method]
            want, got = (
                spec["x-amazon-apigateway-integration"],
                exported["x-amazon-apigateway-integration"],
            )
            assert got["type"] == want["type"]
            assert got["passthroughBehavior"] == want["passthroughBehavior"]
            assert got["requestTemplates"] == want["requestTemplates"]
            for pattern, response in want["responses"].items():
                assert got["responses"][pattern]["statusCode"] == response["statusCode"]
                assert (
                    got["responses"][pattern]["responseTemplates"] == response["responseTemplates"]
                )
            assert set(exported["responses"]) == set(spec["responses"])
            # Auth.DefaultAuthorizer AWS_IAM: every written method is SigV4-only
            assert api["Auth"]["DefaultAuthorizer"] == "AWS_IAM"
            assert exported["security"] == [{"sigv4": []}]

    scheme = document["components"]["securitySchemes"]["sigv4"]
    assert scheme["x-amazon-apigateway-authtype"] == "awsSigv4" and scheme["in"] == "header"
    # Cors adds OPTIONS; AddDefaultAuthorizerToCorsPreflight: false leaves it without auth
    assert api["Auth"]["AddDefaultAuthorizerToCorsPreflight"] is False
    options = document["paths"]["/demo"]["options"]
    assert "security" not in options
    assert options["x-amazon-apigateway-integration"]["type"] == "mock"
    deployed = {p for p, methods in body["paths"].items() if set(methods) != {"Fn::If"}}
    assert set(document["paths"]) == deployed
    # the template's gateway responses are exported too
    assert set(document["x-amazon-apigateway-gateway-responses"]) == set(api["GatewayResponses"])


def test_export_follows_the_model_not_a_copy_of_the_template(
    offline_outputs: dict[str, str], template_variant: Callable[..., Path], tmp_path: Path
) -> None:
    """The control: with the preflight authorised, the export's OPTIONS asks for SigV4."""
    variant = template_variant(
        ("AddDefaultAuthorizerToCorsPreflight: false", "AddDefaultAuthorizerToCorsPreflight: true")
    )
    document = export(offline_outputs, variant, tmp_path)
    assert document["paths"]["/demo"]["options"]["security"] == [{"sigv4": []}]
