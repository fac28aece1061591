"""Who signs the check suite's calls to a stack's control plane: the deployer.

On AWS check.py signs `apigateway:GetResources` and `iam:SimulatePrincipalPolicy` with the
caller's own credentials, whatever botocore finds: the deployer's. Offline there is no account
and no credential chain to take them from, so the offline stack recognises this one key pair as
its account's deployer, verifies its SigV4 signature like any other, and lets IAM decide with a
policy that allows only what the check suite reads (offline/apigateway/management.py).

It is published, not secret, like LocalStack's `test`/`test`: it opens nothing a reader of the
template could not learn (the API's methods), and only on a stack that listens on this machine.
The checks and the offline stack both import it from here, so neither imports the other.
"""

# An access key id as IAM writes a user's ("AKIA" + 16 of A-Z and 2-7).
ACCESS_KEY_ID = "AKIAOFFLINEDEPLOYER2"
SECRET_ACCESS_KEY = "offline-deployer-published-not-a-secret"
USER_NAME = "guestapi-offline-deployer"
