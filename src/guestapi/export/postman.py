"""A Postman v2.1 collection and environment for the stack these outputs describe.

The collection holds the calls an app makes, signed with Postman's built-in AWS Signature auth
(`awsv4`, service `execute-api`) whose keys come from environment variables that the
collection's pre-request script fills from Cognito (see `postman_script`). Postman runs the
same collection as newman does on the command line, so a test of it with newman is a test of
what a user imports.

Postman's awsv4 auth reads the parameters accessKey, secretKey, sessionToken, service and
region, and signs with the `aws4` library (postman-runtime, lib/authorizer/aws4.js).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from guestapi.export.postman_script import PRE_REQUEST_SCRIPT

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
# Stable ids: exporting the same stack twice gives the same collection (Postman merges on import).
_NAMESPACE = uuid.UUID("8f0d1c52-8e7e-4a8b-9d58-0d3c6b0b7c11")


def cognito_endpoint(outputs: Mapping[str, str]) -> str:
    """The Cognito Identity endpoint: the outputs' own (offline stack), else the region's."""
    return outputs.get("CognitoIdentityEndpoint") or (
        f"https://cognito-identity.{outputs['Region']}.amazonaws.com/"
    )


def _awsv4_auth() -> dict[str, Any]:
    values = {
        "accessKey": "{{accessKeyId}}",
        "secretKey": "{{secretKey}}",
        "sessionToken": "{{sessionToken}}",
        "service": "execute-api",
        "region": "{{region}}",
    }
    return {
        "type": "awsv4",
        "awsv4": [{"key": k, "value": v, "type": "string"} for k, v in values.items()],
    }


def _test(lines: list[str]) -> dict[str, Any]:
    return {"listen": "test", "script": {"type": "text/javascript", "exec": lines}}


def _request(
    name: str, method: str, path: str, tests: list[str], body: str | None = None
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": method,
        "header": [{"key": "Accept", "value": "application/json"}],
        "url": "{{apiUrl}}" + path,
    }
    if body is not None:
        request["header"].append({"key": "Content-Type", "value": "application/json"})
        request["body"] = {"mode": "raw", "raw": body}
    return {"name": name, "request": request, "event": [_test(tests)]}


def guest_get_item() -> dict[str, Any]:
    return _request(
        "GET /demo as a guest (signed)",
        "GET",
        "/demo",
        [
            "pm.test('a signed guest call is answered 200', function () {",
            "    pm.response.to.have.status(200);",
            "});",
            "pm.test('the API saw this install\\'s guest identity', function () {",
            "    pm.expect(pm.response.json().identityId).to.eql(pm.environment.get('identityId'));",
            "});",
        ],
    )


def guest_post_item() -> dict[str, Any]:
    return _request(
        "POST /demo is refused (the guest role may only GET)",
        "POST",
        "/demo",
        [
            "pm.test('a signed guest POST is refused with 403', function () {",
            "    pm.response.to.have.status(403);",
            "});",
        ],
        body='{"note": "guests may only GET"}',
    )


def build_collection(outputs: Mapping[str, str], name: str = "guest-api") -> dict[str, Any]:
    """The collection: collection-level awsv4 auth and pre-request script, one item per call."""
    return {
        "info": {
            "_postman_id": str(uuid.uuid5(_NAMESPACE, "collection:" + outputs["IdentityPoolId"])),
            "name": name,
            "description": (
                "Calls to a guest-api stack as an app install makes them: guest credentials "
                "from the Cognito identity pool (GetId once, then GetCredentialsForIdentity), "
                "then SigV4 (AWS Signature auth, service execute-api). Select the matching "
                "environment before sending."
            ),
            "schema": SCHEMA,
        },
        "auth": _awsv4_auth(),
        "event": [
            {
                "listen": "prerequest",
                "script": {"type": "text/javascript", "exec": PRE_REQUEST_SCRIPT.splitlines()},
            }
        ],
        "item": [guest_get_item(), guest_post_item()],
    }


def build_environment(outputs: Mapping[str, str], name: str = "guest-api") -> dict[str, Any]:
    """The environment: the stack's public outputs, and empty slots the script fills."""
    public = {
        "apiUrl": outputs["ApiUrl"].rstrip("/"),
        "region": outputs["Region"],
        "identityPoolId": outputs["IdentityPoolId"],
        "cognitoEndpoint": cognito_endpoint(outputs),
    }
    filled_by_script = (
        "identityId",
        "accessKeyId",
        "secretKey",
        "sessionToken",
        "credentialsExpiration",
    )
    values = [{"key": k, "value": v, "type": "default", "enabled": True} for k, v in public.items()]
    # Filled in by the user for an attested install (AttestationMode monitor or enforce): a
    # registered debug token. Empty: the collection is a guest.
    values.append({"key": "debugToken", "value": "", "type": "secret", "enabled": True})
    for key in filled_by_script:
        secret = key in ("secretKey", "sessionToken")
        values.append(
            {"key": key, "value": "", "type": "secret" if secret else "default", "enabled": True}
        )
    return {
        "id": str(uuid.uuid5(_NAMESPACE, "environment:" + outputs["IdentityPoolId"])),
        "name": name,
        "values": values,
        "_postman_variable_scope": "environment",
    }
