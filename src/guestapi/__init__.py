"""guest-api: an HTTP API that only your app's Cognito guest identities may call."""

__version__ = "0.1.0"
