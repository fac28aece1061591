"""Cognito Identity (identity pools): the CloudFormation mapping, the model and the service."""

from guestapi.offline.cognito.model import IdentityPool
from guestapi.offline.cognito.service import MAX_BODY_BYTES, TARGET_PREFIX, CognitoIdentityService

__all__ = ["MAX_BODY_BYTES", "TARGET_PREFIX", "CognitoIdentityService", "IdentityPool"]
