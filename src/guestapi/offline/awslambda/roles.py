"""Execution-role credentials for a function, issued the way Lambda gets them from STS."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from guestapi.aws_constants import LAMBDA_PRINCIPAL
from guestapi.offline import iam
from guestapi.offline.awslambda.environment import Credentials
from guestapi.offline.awslambda.spec import FunctionSpec
from guestapi.offline.credentials import CredentialStore
from guestapi.offline.iam.trust import service_may_assume
from guestapi.template import TemplateError

# Lambda's sandbox credentials are session credentials; an hour keeps them well inside the
# sandbox recycling margin (runtime.CREDENTIAL_MARGIN_S).
SESSION_TTL = timedelta(hours=1)


def check_execution_roles(
    functions: Mapping[str, FunctionSpec], roles: Mapping[str, iam.Role]
) -> None:
    """Refuse what CloudFormation refuses: a role Lambda cannot assume."""
    for spec in functions.values():
        role = roles.get(spec.role_arn)
        if role is None:
            raise TemplateError(
                f"{spec.logical_id}: execution role {spec.role_arn or '(none)'} is not part of "
                "this stack; the offline stack can only issue credentials for its own roles"
            )
        trust = service_may_assume(role, LAMBDA_PRINCIPAL)
        if not trust.allowed:
            raise TemplateError(
                f"{spec.logical_id}: The role defined for the function cannot be assumed by "
                f"Lambda ({role.name}: {trust.reason})"
            )


class ExecutionRoleCredentials:
    def __init__(self, store: CredentialStore, roles: Mapping[str, iam.Role]) -> None:
        self._store = store
        self._roles = roles

    def __call__(self, spec: FunctionSpec) -> Credentials:
        role = self._roles[spec.role_arn]
        # Lambda names the execution role's session after the function.
        issued = self._store.issue(ttl=SESSION_TTL, role=role, session_name=spec.name)
        return Credentials(
            issued.access_key_id, issued.secret_access_key, issued.session_token, issued.expiration
        )
