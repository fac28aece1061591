"""CloudFormation, as the offline stack deploys a template: `engine.load_stack` creates its
resources through the service registry (`guestapi.offline.registry`); reading, parameters,
intrinsics and the SAM transform are `guestapi.template`'s."""
