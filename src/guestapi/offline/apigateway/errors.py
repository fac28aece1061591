"""API Gateway's errors: the gateway responses of the data plane (each type's default status and
x-amzn-ErrorType) and the control plane's rest-json errors (`management.py`).

Source of the gateway responses: "Gateway response types for API Gateway" (API Gateway developer
guide); of the control plane's codes and statuses: botocore's apigateway model.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from guestapi.offline.awsapi import errors as common
from guestapi.offline.awsapi.errors import AwsError


class ResponseType(StrEnum):
    """API Gateway's gateway response types (the ones the offline stack can give)."""

    ACCESS_DENIED = "ACCESS_DENIED"
    API_CONFIGURATION_ERROR = "API_CONFIGURATION_ERROR"
    AUTHORIZER_CONFIGURATION_ERROR = "AUTHORIZER_CONFIGURATION_ERROR"
    AUTHORIZER_FAILURE = "AUTHORIZER_FAILURE"
    BAD_REQUEST_PARAMETERS = "BAD_REQUEST_PARAMETERS"
    BAD_REQUEST_BODY = "BAD_REQUEST_BODY"
    DEFAULT_4XX = "DEFAULT_4XX"
    DEFAULT_5XX = "DEFAULT_5XX"
    EXPIRED_TOKEN = "EXPIRED_TOKEN"
    INTEGRATION_FAILURE = "INTEGRATION_FAILURE"
    INTEGRATION_TIMEOUT = "INTEGRATION_TIMEOUT"
    INVALID_API_KEY = "INVALID_API_KEY"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    MISSING_AUTHENTICATION_TOKEN = "MISSING_AUTHENTICATION_TOKEN"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
    THROTTLED = "THROTTLED"
    UNAUTHORIZED = "UNAUTHORIZED"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    WAF_FILTERED = "WAF_FILTERED"


# Response type -> (default status code, x-amzn-ErrorType header value)
DEFAULTS: dict[ResponseType, tuple[int, str]] = {
    ResponseType.ACCESS_DENIED: (403, "AccessDeniedException"),
    ResponseType.API_CONFIGURATION_ERROR: (500, "InternalServerErrorException"),
    ResponseType.AUTHORIZER_CONFIGURATION_ERROR: (500, "AuthorizerConfigurationException"),
    ResponseType.AUTHORIZER_FAILURE: (500, "AuthorizerFailureException"),
    ResponseType.BAD_REQUEST_PARAMETERS: (400, "BadRequestException"),
    ResponseType.BAD_REQUEST_BODY: (400, "BadRequestException"),
    ResponseType.DEFAULT_4XX: (403, "ForbiddenException"),
    ResponseType.DEFAULT_5XX: (500, "InternalServerErrorException"),
    ResponseType.EXPIRED_TOKEN: (403, "ExpiredTokenException"),
    ResponseType.INTEGRATION_FAILURE: (504, "InternalServerErrorException"),
    ResponseType.INTEGRATION_TIMEOUT: (504, "InternalServerErrorException"),
    ResponseType.INVALID_API_KEY: (403, "ForbiddenException"),
    ResponseType.INVALID_SIGNATURE: (403, "InvalidSignatureException"),
    ResponseType.MISSING_AUTHENTICATION_TOKEN: (403, "MissingAuthenticationTokenException"),
    ResponseType.QUOTA_EXCEEDED: (429, "LimitExceededException"),
    ResponseType.REQUEST_TOO_LARGE: (413, "RequestTooLargeException"),
    ResponseType.RESOURCE_NOT_FOUND: (404, "NotFoundException"),
    ResponseType.THROTTLED: (429, "TooManyRequestsException"),
    ResponseType.UNAUTHORIZED: (401, "UnauthorizedException"),
    ResponseType.UNSUPPORTED_MEDIA_TYPE: (415, "UnsupportedMediaTypeException"),
    ResponseType.WAF_FILTERED: (403, "WAFFilteredException"),
}


# --- the control plane (rest-json) -------------------------------------------------------------
class NotFoundException(AwsError):
    code = "NotFoundException"
    status = 404

    @classmethod
    def api(cls, account_id: str, api_id: str) -> Self:
        return cls(f"Invalid API identifier specified {account_id}:{api_id}")

    @classmethod
    def stage(cls) -> Self:
        return cls("Invalid stage identifier specified")


class BadRequestException(AwsError):
    code = "BadRequestException"


class AccessDeniedException(common.AccessDeniedException):
    status = 403


class SignatureRefused(common.SignatureRefused):
    status = 403
