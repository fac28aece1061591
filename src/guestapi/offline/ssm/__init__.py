"""SSM Parameter Store for the offline stack: parameters in moto, behind SigV4 and IAM.

- `parameters.py`: `AWS::SSM::Parameter` properties checked into a `ParameterSpec`;
- `cfn.py`: the CloudFormation mapping (generated name, Ref, GetAtt Type and Value);
- `emulator.py`: moto's SSM server in-process, holding the template's parameters and the
  SecureStrings the launcher seeds;
- `front_door.py`: what a function's SDK calls: SigV4, the role's policies, then moto;
- `operations.py`: which IAM action and resources GetParameter / GetParameters need;
- `errors.py`: SSM's refusals as they look on the wire.
"""

from guestapi.offline.ssm.emulator import SsmEmulator
from guestapi.offline.ssm.front_door import SsmFrontDoor

__all__ = ["SsmEmulator", "SsmFrontDoor"]
