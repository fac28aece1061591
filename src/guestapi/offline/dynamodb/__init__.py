"""DynamoDB for the offline stack: the template's tables in moto, behind SigV4 and IAM.

- `tables.py`: `AWS::DynamoDB::Table` properties checked into a `TableSpec` (CreateTable);
- `cfn.py`: the CloudFormation mapping (physical name, GetAtt attributes, model builder);
- `emulator.py`: moto's DynamoDB server in-process, holding the tables;
- `front_door.py`: what a function's SDK calls: SigV4, the role's policies, then moto;
- `operations.py`: which IAM action and resources each DynamoDB request needs;
- `errors.py`: DynamoDB's refusals as they look on the wire.
"""

from guestapi.offline.dynamodb.emulator import DynamoDbEmulator
from guestapi.offline.dynamodb.front_door import DynamoDbFrontDoor

__all__ = ["DynamoDbEmulator", "DynamoDbFrontDoor"]
