"""A guest of an in-memory offline stack, without HTTP: credentials from its Cognito service,
requests signed by botocore exactly as they would arrive at the gateway."""

from __future__ import annotations

import json
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from _service_calls import call_json
from guestapi.offline.launch import OfflineStack
from guestapi.offline.wire import Request

HOST = "127.0.0.1:4566"


def _cognito(offline: OfflineStack, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    response = call_json(
        offline.cognito, f"AWSCognitoIdentityService.{operation}", json.dumps(body).encode()
    )
    assert response.status == 200, response.body
    return json.loads(response.body)


class Guest:
    def __init__(self, offline: OfflineStack) -> None:
        pool_id = next(iter(offline.stack.identity_pools))
        self.identity_id = _cognito(offline, "GetId", {"IdentityPoolId": pool_id})["IdentityId"]
        issued = _cognito(offline, "GetCredentialsForIdentity", {"IdentityId": self.identity_id})
        creds = issued["Credentials"]
        self.credentials = Credentials(
            creds["AccessKeyId"], creds["SecretKey"], creds["SessionToken"]
        )
        self.region = offline.stack.region

    def request(self, method: str, path: str, body: bytes = b"", *, signed: bool = True) -> Request:
        aws = AWSRequest(
            method=method, url=f"http://{HOST}{path}", data=body, headers={"Host": HOST}
        )
        if signed:
            SigV4Auth(self.credentials, "execute-api", self.region).add_auth(aws)
        prepared = aws.prepare()
        raw_path, _, raw_query = prepared.url.split(HOST, 1)[1].partition("?")
        return Request(
            method=method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=tuple(prepared.headers.items()),
            body=body,
            host=HOST,
        )
