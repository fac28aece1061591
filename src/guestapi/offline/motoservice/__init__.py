"""AWS JSON services whose storage is moto's server, behind the offline stack's SigV4 + IAM
(moto checks no signature and no policy): `emulator.py` moto's server, sealed, holding the
stack's resources; `front_door.py` the signature, the caller's policies, then moto;
`callers.py` who calls and the fail-closed rewrite of condition keys a front door does not
compute; `service.py` the two wired for one stack, started on need.
"""
