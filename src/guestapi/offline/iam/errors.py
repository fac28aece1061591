"""IAM's errors as SimulatePrincipalPolicy answers them (Query protocol; code and status as
botocore's IAM model gives them: NoSuchEntity 404, InvalidInput 400)."""

from __future__ import annotations

from guestapi.offline.awsapi.errors import AwsError


class NoSuchEntity(AwsError):
    code = "NoSuchEntity"  # botocore's NoSuchEntityException
    status = 404

    def __init__(self, role_name: str) -> None:
        super().__init__(f"The role with name {role_name} cannot be found.")


class InvalidInput(AwsError):
    code = "InvalidInput"  # botocore's InvalidInputException
