"""What the load generator sends: a guest's signed GET /demo, in both SigV4 forms, and a preflight.

wrk replays one request. Two signed forms:
- header-signed (Authorization + X-Amz-Date + X-Amz-Security-Token, botocore `SigV4Auth`): what
  the guest client sends. SigV4 accepts a signature for 5 minutes and has no replay protection,
  so one request signed just before a wrk run stays valid for the whole run;
- presigned URL (botocore `SigV4QueryAuth`): the session token and signature travel in the
  query string. The stack keeps the fixed 5-minute window from X-Amz-Date by default, whatever
  X-Amz-Expires says, so the URL is made by prepare() within the throughput phase (about a
  minute) and used only there.
The server recomputes and compares every request's signature: it keeps no cache of accepted
signatures (only of a presigned URL's decoded query and canonical query string).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import botocore.session
from botocore import UNSIGNED
from botocore.auth import SigV4Auth, SigV4QueryAuth
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
    region: str
    credentials: Credentials = field(repr=False)
    presigned_demo_url: str = field(repr=False)  # signed GET {ApiUrl}/demo, valid for the run
    tampered_demo_url: str = field(repr=False)  # the same URL with one signature character changed
    demo_body: bytes = field(repr=False)  # one answer to GET /demo (what the bare app serves)

    @property
    def demo_url(self) -> str:
        return self.api_url + "/demo"

    def header_signed_demo(self) -> dict[str, str]:
        """Headers of a GET /demo signed now (valid for 5 minutes), Host included."""
        return self.header_signed("/demo")

    def header_signed(self, path: str) -> dict[str, str]:
        """Headers of a GET {ApiUrl}{path} signed now (valid for 5 minutes), Host included."""
        url = self.api_url + path
        host = urlsplit(url).netloc
        request = AWSRequest(method="GET", url=url, headers={"Host": host})
        SigV4Auth(self.credentials, "execute-api", self.region).add_auth(request)
        return dict(request.headers.items())


def _status(request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def prepare(outputs: dict[str, str]) -> GuestTarget:
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
    SigV4QueryAuth(credentials, "execute-api", region, expires=3600).add_auth(request)
    presigned = request.url
    marker = "X-Amz-Signature="
    at = presigned.index(marker) + len(marker)
    flipped = "0" if presigned[at] != "0" else "1"
    tampered = presigned[:at] + flipped + presigned[at + 1 :]

    status, body = _status(urllib.request.Request(presigned))
    if status != 200 or json.loads(body).get("identityId") != identity_id:
        raise TargetError(f"presigned GET /demo answered {status}: {body[:200]!r}")
    target = GuestTarget(
        api_url=outputs["ApiUrl"],
        cognito_endpoint=outputs["CognitoIdentityEndpoint"],
        identity_pool_id=outputs["IdentityPoolId"],
        identity_id=identity_id,
        region=region,
        credentials=credentials,
        presigned_demo_url=presigned,
        tampered_demo_url=tampered,
        demo_body=body,
    )
    status, body = _status(urllib.request.Request(demo_url, headers=target.header_signed_demo()))
    if status != 200 or json.loads(body).get("identityId") != identity_id:
        raise TargetError(f"header-signed GET /demo answered {status}: {body[:200]!r}")
    status, body = _status(urllib.request.Request(tampered))
    if status != 403:
        raise TargetError(f"tampered presigned GET /demo answered {status}, expected 403")
    status, _ = _status(
        urllib.request.Request(demo_url, method="OPTIONS", headers=PREFLIGHT_HEADERS)
    )
    if status != 200:
        raise TargetError(f"OPTIONS /demo preflight answered {status}")
    return target
