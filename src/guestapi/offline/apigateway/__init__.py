"""API Gateway REST APIs: the CloudFormation import, the model and the request pipeline."""

from guestapi.offline.apigateway.pipeline import MAX_PAYLOAD_BYTES, Gateway

__all__ = ["MAX_PAYLOAD_BYTES", "Gateway"]
