"""AWS JSON services whose storage is moto's server, behind the offline stack's SigV4 + IAM.

moto checks no signature and no policy, so a moto-backed service (`dynamodb/`, `ssm/`) is:
- `server.py`: moto's server for one service, in-process, quiet and sealed (`MotoServer`);
- `emulator.py`: that server holding the stack's resources, created and deleted with it;
- `front_door.py`: what a function's SDK calls: the service's operation, SigV4 for its signing
  name, the caller's role policies for every (action, resource) the request needs, then moto;
- `callers.py`: who calls (credential, role policies, principal condition keys), and the
  fail-closed rewrite for condition keys a front door does not compute.
"""
