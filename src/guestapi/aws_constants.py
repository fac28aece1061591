"""AWS names that more than one package of guestapi uses, each written once.

The client and the checks may not import the offline stack, so the names they share with it
live here; a name only one package uses stays in that package.
"""

# Cognito Identity's name in IAM and in its tokens: the federated principal its roles trust, the
# Logins key of its own (developer) tokens, its tokens' issuer host, and the prefix of the
# condition keys that come from a token (docs/aws-behaviour.md#trust-policy-of-an-identity-pool-role).
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
COGNITO_AUD = f"{COGNITO_IDENTITY}:aud"  # the identity pool id
COGNITO_AMR = f"{COGNITO_IDENTITY}:amr"  # "unauthenticated", or "authenticated" and providers
COGNITO_SUB = f"{COGNITO_IDENTITY}:sub"  # the identity id

# Service principals, as trust policies and resource policies name them.
LAMBDA_PRINCIPAL = "lambda.amazonaws.com"
APIGATEWAY_PRINCIPAL = "apigateway.amazonaws.com"

# Headers of AWS's answers that the offline stack writes and the client and checks read.
ERROR_TYPE_HEADER = "x-amzn-ErrorType"
REQUEST_ID_HEADER = "x-amzn-RequestId"
# Request headers: an AWS JSON operation's name, and a temporary credential's session token.
TARGET_HEADER = "X-Amz-Target"
SECURITY_TOKEN_HEADER = "X-Amz-Security-Token"
