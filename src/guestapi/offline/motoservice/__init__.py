"""AWS JSON services whose storage is moto's server, behind the offline stack's SigV4 + IAM.

moto checks no signature and no policy, so a moto-backed service is two parts:
- `server.py`: moto's server for one service, in-process and quiet (`MotoServer`);
- `front_door.py`: what a function's SDK calls: the service's operation, SigV4 for its signing
  name, the caller's role policies for every (action, resource) the request needs, then moto
  (`MotoFrontDoor`, subclassed per service: `dynamodb/`, `ssm/`);
- `callers.py`: who calls (credential, role policies, principal condition keys), and the
  fail-closed rewrite for condition keys a front door does not compute.
"""

from guestapi.offline.motoservice.callers import Caller, caller_lookup
from guestapi.offline.motoservice.front_door import (
    Check,
    MotoFrontDoor,
    NotEmulatedError,
    RequestShapeError,
)
from guestapi.offline.motoservice.server import ACCOUNT_HEADER, EmulatorError, MotoServer

__all__ = [
    "ACCOUNT_HEADER",
    "Caller",
    "Check",
    "EmulatorError",
    "MotoFrontDoor",
    "MotoServer",
    "NotEmulatedError",
    "RequestShapeError",
    "caller_lookup",
]
