"""The offline stack: an in-memory twin of AWS services, deployed from a SAM template.

Laid out by AWS service, as moto lays out its mocks: each package (`apigateway`, `cognito`,
`iam`, ...) owns its CloudFormation mapping (`cfn.py`), its model and its protocol handling;
`registry.py` lists them, `cfn/` deploys a template through that list; `wire.py` is the request,
response and error types they share; `server.py` only dispatches HTTP to them; `launch.py`
wires a deployed stack and runs it. It stands in for AWS, so nothing here imports the client
or the checks.
"""

from typing import Any

__all__ = ["build", "serve"]


def __getattr__(name: str) -> Any:
    # Lazy, so importing one module (say, iam) does not start uvicorn and the SAM translator.
    if name in __all__:
        from guestapi.offline import launch

        return getattr(launch, name)
    raise AttributeError(name)
