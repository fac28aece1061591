#!/usr/bin/env python3
"""Serve template.yaml as an offline Cognito Identity + API Gateway twin (see README)."""

import sys

from guestapi.cli.local import main

if __name__ == "__main__":
    sys.exit(main())
