"""What the offline stack's AWS APIs share: errors, one serializer per protocol, one service base.

- `errors.py`: `AwsError` and the codes of AWS's shared front layer;
- `protocols.py`: AWS JSON, Query and rest-json, read from botocore's service models;
- `service.py`: `AwsService`, dispatch by an operation table, body limit, errors, log line.
"""

from guestapi.offline.awsapi.errors import AwsError
from guestapi.offline.awsapi.protocols import Call, Json, Params, Query, RestJson
from guestapi.offline.awsapi.service import AwsService

__all__ = ["AwsError", "AwsService", "Call", "Json", "Params", "Query", "RestJson"]
