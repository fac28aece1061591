"""DynamoDB for the offline stack: the template's tables (`tables.py`, `cfn.py`) in moto
(`emulator.py`), behind SigV4 and IAM (`front_door.py`, `operations.py`, `errors.py`)."""

from guestapi.offline.dynamodb.emulator import DynamoDbEmulator
from guestapi.offline.dynamodb.front_door import DynamoDbFrontDoor

__all__ = ["DynamoDbEmulator", "DynamoDbFrontDoor"]
