"""The guest client: Cognito guest credentials and SigV4-signed requests to the API.

    provider = GuestCredentialProvider(outputs["IdentityPoolId"], outputs["Region"],
                                       cache_path=Path(".guestapi/identities.json"))
    session = signed_session(provider, outputs["Region"])
    session.get(outputs["ApiUrl"] + "/demo").json()

It never imports `guestapi.offline`: the only thing that tells AWS and the offline stack apart is
the endpoint it is given.
"""

from guestapi.client.cognito_calls import GuestCredentials, GuestCredentialsError
from guestapi.client.credentials import GuestCredentialProvider
from guestapi.client.identity_cache import IdentityCache, IdentityCacheError
from guestapi.client.signing import GuestSigV4Auth, SigningClock, error_message, signed_session

__all__ = [
    "GuestCredentialProvider",
    "GuestCredentials",
    "GuestCredentialsError",
    "GuestSigV4Auth",
    "IdentityCache",
    "IdentityCacheError",
    "SigningClock",
    "error_message",
    "signed_session",
]
