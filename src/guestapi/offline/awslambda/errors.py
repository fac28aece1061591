"""Lambda's errors as the offline stack gives them to API Gateway (botocore's lambda model)."""

from __future__ import annotations

from guestapi.offline.awsapi.errors import AwsError


class TooManyRequestsException(AwsError):
    """Invoke with no concurrency left: the function never ran (code and 429 from the model)."""

    code = "TooManyRequestsException"
    status = 429
    fixed = "Rate Exceeded."
