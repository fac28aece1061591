"""The session policy Cognito adds to enhanced-flow guest credentials, as AWS publishes it.

Cognito's `GetCredentialsForIdentity` (the enhanced flow) scopes guest credentials down with the
AWS managed policy below: a guest's effective permissions are "the intersection of the role
associated with the identity of the unauthenticated user ... and the privileges given in this
managed policy that is owned by Cognito". Credentials from the basic flow (`GetOpenIdToken` + STS
`AssumeRoleWithWebIdentity`) carry no such policy.

Copied from the AWS Managed Policy Reference,
https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonCognitoUnAuthedIdentitiesSessionPolicy.html
— version v3 (default), created 2023-07-19 23:04 UTC, edited 2024-11-01 18:12 UTC. It lists no
`execute-api` action, so read literally it refuses a guest's signed call to an API Gateway REST
API; Amplify's docs still show such calls working, and how a real stack answers is not settled
(docs/aws-behaviour.md#guest-scope-down-policy). The checks name it in a diagnosis; the offline
stack applies it only with `local.py --guest-session-policy documented`.
"""

from __future__ import annotations

from typing import Any

POLICY_NAME = "AmazonCognitoUnAuthedIdentitiesSessionPolicy"
POLICY_ARN = f"arn:aws:iam::aws:policy/{POLICY_NAME}"
VERSION = "v3"
EDITED = "2024-11-01"

DOCUMENT: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "CognitoUnAuthedIdentitiesSessionPolicy",
            "Effect": "Allow",
            "Action": [
                "rum:PutRumEvents",
                "sagemaker:InvokeEndpoint",
                "polly:*",
                "comprehend:*",
                "translate:*",
                "transcribe:*",
                "rekognition:*",
                "mobiletargeting:*",
                "firehose:*",
                "personalize:*",
                "geo:GetMap*",
                "geo:SearchPlaceIndex*",
                "geo:GetPlace",
                "geo:CalculateRoute*",
                "geo:*Geofence",
                "geo:*Geofences",
                "geo:*DevicePosition*",
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncryptTo",
                "kms:ReEncryptFrom",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyPair",
                "kms:GenerateDataKeyPairWithoutPlaintext",
                "kms:GenerateDataKeyWithoutPlaintext",
            ],
            "Resource": "*",
        }
    ],
}
