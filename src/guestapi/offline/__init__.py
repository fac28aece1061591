"""The offline stack: an in-memory twin of AWS services, deployed from a SAM template.

Laid out by AWS service, as moto lays out its mocks: each package (`apigateway`, `cognito`,
`iam`, ...) owns its CloudFormation mapping (`cfn.py`), its model and its protocol handling;
`registry.py` lists them, `cfn/` deploys a template through that list; `wire.py` is the request,
response and error types they share; `server.py` only dispatches HTTP to them; `launch.py`
(`build`, `serve`) wires a deployed stack and runs it. It stands in for AWS, so nothing here
imports the client or the checks.
"""
