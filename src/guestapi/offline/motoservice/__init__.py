"""AWS JSON services whose storage is moto's server (which checks no signature and no policy),
behind the offline stack's SigV4 + IAM front door; `service.py` wires the two for one stack."""
