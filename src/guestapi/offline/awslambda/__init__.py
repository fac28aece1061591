"""Lambda for the offline stack: functions from a local CodeUri, run in warm worker processes
(`spec.py` what Lambda accepts, `service.py` / `runtime.py` the invocations, `sandbox.py` /
`worker.py` / `supervisor.py` one sandbox, `cfn.py`, `permissions.py`, `roles.py` the
CloudFormation side). Nothing is imported here: the worker imports this package, and stays light.
"""
