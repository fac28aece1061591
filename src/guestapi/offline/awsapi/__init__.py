"""What the offline stack's AWS APIs share: `AwsError` and the front layer's codes (`errors.py`),
one serializer per protocol (`protocols.py`) and the service base (`service.py`)."""

from guestapi.offline.awsapi.errors import AwsError
from guestapi.offline.awsapi.protocols import Call, Json, Params, Query, RestJson
from guestapi.offline.awsapi.service import AwsService

__all__ = ["AwsError", "AwsService", "Call", "Json", "Params", "Query", "RestJson"]
