"""The outputs an offline stack gives its clients: the template's Outputs as AWS resolved them,
with every URL pointed at the stack's one port, and its endpoints added."""

from __future__ import annotations

from urllib.parse import urlsplit

from guestapi.errors import GuestApiError
from guestapi.offline.stack import Stack

_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"})


class NonLocalOutputError(GuestApiError):
    """An output would send a client outside the offline stack (say, to the real AWS)."""


def local_outputs(stack: Stack, base_url: str) -> dict[str, str]:
    """The template's Outputs as AWS resolved them, with API URLs pointed at this server.

    AWS answers `https://<api-id>.execute-api.<region>.<suffix>/<stage>`; here every stage is
    served at `<base_url>/<stage>` on one port. Any other URL in an output that is not on this
    machine is refused: a client following it would leave the offline stack (for the real AWS,
    when the template's API is of a type the offline stack does not serve).
    """
    outputs = dict(stack.outputs)
    api_ids: dict[str, str] = {}
    for key, value in outputs.items():
        for api_id in stack.rest_apis:
            marker = f"https://{api_id}.execute-api."
            if value.startswith(marker):
                api_ids[key] = api_id
                rest = value[len(marker) :].split("/", 1)
                outputs[key] = base_url.rstrip("/") + ("/" + rest[1] if len(rest) > 1 else "")
        _refuse_non_local(key, outputs[key])
    outputs["CognitoIdentityEndpoint"] = base_url.rstrip("/") + "/"
    # IAM (SimulatePrincipalPolicy) and API Gateway's control plane (GetResources) at the same
    # endpoint; ApiId, which AWS's ApiUrl carries in its host name, for the method ARNs the
    # checks simulate and the API whose resources they list.
    outputs["IamEndpoint"] = base_url.rstrip("/") + "/"
    outputs["ApiGatewayEndpoint"] = base_url.rstrip("/") + "/"
    if "ApiUrl" in api_ids:
        outputs.setdefault("ApiId", api_ids["ApiUrl"])
    outputs.setdefault("Region", stack.region)
    return outputs


def _refuse_non_local(key: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and (parts.hostname or "") not in _LOCAL_HOSTS:
        raise NonLocalOutputError(
            f"output {key} points outside the offline stack ({parts.hostname}): no resource "
            "of this stack serves it offline (a resource type the offline stack does not emulate?)"
        )
