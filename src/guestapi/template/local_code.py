"""Local `CodeUri`s, as `sam local` reads them: the offline stack runs code from the checkout.

aws-sam-translator only accepts S3 URIs for CodeUri (`sam package` uploads the code and rewrites
the template first). Before the transform, each local CodeUri of an `AWS::Serverless::Function`
(or of `Globals.Function`) is remembered by function logical id and replaced by a placeholder
S3 URI; the Lambda package then runs the remembered directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PLACEHOLDER_BUCKET = "guestapi-offline-local-code"
SERVERLESS_FUNCTION = "AWS::Serverless::Function"


def stage_local_code(document: dict[str, Any], template_dir: Path) -> dict[str, Path]:
    """Replace local CodeUris in `document` (in place); return logical id -> code directory.

    Whether the directory exists is the deploy's question, asked when the function is created
    (awslambda/cfn.py): a function whose Condition is false needs none, and lint runs no code.
    """
    global_uri = ((document.get("Globals") or {}).get("Function") or {}).get("CodeUri")
    if isinstance(global_uri, str) and not global_uri.startswith("s3://"):
        document["Globals"]["Function"]["CodeUri"] = _placeholder("Globals")
    staged: dict[str, Path] = {}
    for logical_id, resource in (document.get("Resources") or {}).items():
        if resource.get("Type") != SERVERLESS_FUNCTION:
            continue
        properties = resource.setdefault("Properties", {}) or {}
        uri = properties.get("CodeUri", global_uri)
        if not isinstance(uri, str) or uri.startswith("s3://"):
            continue  # inline code, an S3 object or an intrinsic: not local
        properties["CodeUri"] = _placeholder(logical_id)
        staged[logical_id] = (template_dir / uri).resolve()
    return staged


def _placeholder(logical_id: str) -> str:
    return f"s3://{PLACEHOLDER_BUCKET}/{logical_id}.zip"
