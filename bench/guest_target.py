"""What the load generator sends: a guest's presigned GET /demo and a CORS preflight.

wrk replays one request, so the signed request is a presigned URL (botocore `SigV4QueryAuth`,
X-Amz-Expires long enough for the whole run). The server still verifies every request in full:
it keeps no cache of accepted signatures.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

import botocore.session
from botocore import UNSIGNED
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

PREFLIGHT_HEADERS = {
    "Origin": "http://localhost:8000",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "authorization,x-amz-date,x-amz-security-token",
}


class TargetError(RuntimeError):
    """The stack did not answer the sanity requests as expected."""


@dataclass(frozen=True)
class GuestTarget:
    api_url: str
    cognito_endpoint: str
    identity_pool_id: str
    identity_id: str
    presigned_demo_url: str  # signed GET {ApiUrl}/demo, valid for the whole run
    tampered_demo_url: str  # the same URL with one signature character changed

    @property
    def demo_url(self) -> str:
        return self.api_url + "/demo"


def _status(request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def prepare(outputs: dict[str, str], *, expires_s: int = 3600) -> GuestTarget:
    """Mint guest credentials on the stack, presign GET /demo, and check both answers once."""
    region = outputs["Region"]
    cognito = botocore.session.get_session().create_client(
        "cognito-identity",
        region_name=region,
        endpoint_url=outputs["CognitoIdentityEndpoint"],
        config=Config(signature_version=UNSIGNED),
    )
    identity_id = cognito.get_id(IdentityPoolId=outputs["IdentityPoolId"])["IdentityId"]
    creds = cognito.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
    credentials = Credentials(creds["AccessKeyId"], creds["SecretKey"], creds["SessionToken"])
    demo_url = outputs["ApiUrl"] + "/demo"
    request = AWSRequest(method="GET", url=demo_url)
    SigV4QueryAuth(credentials, "execute-api", region, expires=expires_s).add_auth(request)
    presigned = request.url
    marker = "X-Amz-Signature="
    at = presigned.index(marker) + len(marker)
    flipped = "0" if presigned[at] != "0" else "1"
    tampered = presigned[:at] + flipped + presigned[at + 1 :]

    target = GuestTarget(
        api_url=outputs["ApiUrl"],
        cognito_endpoint=outputs["CognitoIdentityEndpoint"],
        identity_pool_id=outputs["IdentityPoolId"],
        identity_id=identity_id,
        presigned_demo_url=presigned,
        tampered_demo_url=tampered,
    )
    status, body = _status(urllib.request.Request(presigned))
    if status != 200 or json.loads(body).get("identityId") != identity_id:
        raise TargetError(f"presigned GET /demo answered {status}: {body[:200]!r}")
    status, body = _status(urllib.request.Request(tampered))
    if status != 403:
        raise TargetError(f"tampered presigned GET /demo answered {status}, expected 403")
    status, _ = _status(
        urllib.request.Request(demo_url, method="OPTIONS", headers=PREFLIGHT_HEADERS)
    )
    if status != 200:
        raise TargetError(f"OPTIONS /demo preflight answered {status}")
    return target
