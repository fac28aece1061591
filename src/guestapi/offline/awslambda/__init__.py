"""Lambda for the offline stack: functions from a local CodeUri, run in warm worker processes.

`spec.py` the function as the template configures it (and what Lambda refuses), `service.py`
and `runtime.py` the invocation and its pool of sandboxes, `outcomes.py` the typed results,
`sandbox.py` one worker process, `worker.py` the runtime inside it, `environment.py` the
variables it starts with, `logs.py` its output in the offline stack's log, `framing.py` the
pipe protocol between them; `cfn.py`, `permissions.py` and `roles.py` the CloudFormation side.

Nothing is imported here: the worker process imports this package too, and must stay light.
"""
