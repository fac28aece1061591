"""Cognito Identity (identity pools): the CloudFormation mapping, the model and the service."""

from guestapi.offline.cognito.model import IdentityPool
from guestapi.offline.cognito.service import CognitoIdentityService

__all__ = ["CognitoIdentityService", "IdentityPool"]
