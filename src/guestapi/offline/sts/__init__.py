"""STS AssumeRoleWithWebIdentity for Cognito OpenID tokens (the basic flow's second half)."""

from guestapi.offline.sts.service import StsService

__all__ = ["StsService"]
