"""Clients for the API that other tools make: a Postman collection, API Gateway's generated
SDKs and its OpenAPI export (see `guestapi.cli.export`)."""
