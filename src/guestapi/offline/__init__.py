"""The offline stack: an in-memory twin of Cognito Identity and API Gateway built from template.yaml.

It stands in for AWS, so nothing here imports the client or the checks.
"""
