"""The offline stack: an in-memory twin of Cognito Identity and API Gateway built from template.yaml.

It stands in for AWS, so nothing here imports the client or the checks.
"""

from typing import Any

__all__ = ["build", "serve"]


def __getattr__(name: str) -> Any:
    # Lazy, so importing one module (say, iam) does not start uvicorn and the SAM translator.
    if name in __all__:
        from guestapi.offline import server

        return getattr(server, name)
    raise AttributeError(name)
