"""The session policy Cognito adds to enhanced-flow guest credentials, copied from the AWS
Managed Policy Reference (version v3, edited 2024-11-01): what it is, what it lists and why the
offline stack applies it only with `local.py --guest-session-policy documented` are in
docs/aws-behaviour.md#guest-scope-down-policy. The checks name it in a diagnosis.
"""

from __future__ import annotations

from typing import Any

POLICY_NAME = "AmazonCognitoUnAuthedIdentitiesSessionPolicy"
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
