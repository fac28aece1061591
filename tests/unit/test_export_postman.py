"""The Postman collection and environment built from a deployed stack's outputs."""

from __future__ import annotations

import json

from guestapi.export.postman import SCHEMA, build_collection, build_environment

DEPLOYED = {
    "ApiUrl": "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/dev",
    "IdentityPoolId": "eu-west-1:11111111-2222-3333-4444-555555555555",
    "Region": "eu-west-1",
}


def test_collection_signs_with_awsv4_for_execute_api() -> None:
    collection = build_collection(DEPLOYED)
    assert collection["info"]["schema"] == SCHEMA
    auth = {p["key"]: p["value"] for p in collection["auth"]["awsv4"]}
    assert collection["auth"]["type"] == "awsv4"
    assert auth == {
        "accessKey": "{{accessKeyId}}",
        "secretKey": "{{secretKey}}",
        "sessionToken": "{{sessionToken}}",
        "service": "execute-api",
        "region": "{{region}}",
    }
    script = "\n".join(collection["event"][0]["script"]["exec"])
    assert "AWSCognitoIdentityService." in script and "'GetId'" in script
    assert "'GetCredentialsForIdentity'" in script and "application/x-amz-json-1.1" in script
    assert "console.log" not in script  # nothing about the keys is logged
    assert build_collection(DEPLOYED) == collection  # stable ids: a re-export merges on import


def test_deployed_environment_points_to_the_regional_cognito_and_holds_no_keys() -> None:
    environment = build_environment(DEPLOYED)
    values = {v["key"]: v for v in environment["values"]}
    assert values["cognitoEndpoint"]["value"] == "https://cognito-identity.eu-west-1.amazonaws.com/"
    assert values["apiUrl"]["value"] == DEPLOYED["ApiUrl"]
    for filled_later in ("identityId", "accessKeyId", "secretKey", "sessionToken"):
        assert values[filled_later]["value"] == ""
    assert values["secretKey"]["type"] == values["sessionToken"]["type"] == "secret"
    assert "ASIA" not in json.dumps(environment)
