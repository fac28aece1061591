"""SSM Parameter Store for the offline stack: the template's parameters (`parameters.py`,
`cfn.py`) and seeded SecureStrings in moto (`emulator.py`), behind SigV4 and IAM
(`front_door.py`, `operations.py`, `errors.py`)."""

from guestapi.offline.ssm.emulator import SsmEmulator
from guestapi.offline.ssm.front_door import SsmFrontDoor

__all__ = ["SsmEmulator", "SsmFrontDoor"]
