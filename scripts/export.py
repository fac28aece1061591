#!/usr/bin/env python3
"""Export the stack for Postman, generated SDKs or OpenAPI; see `guestapi.cli.export`."""

import sys

from guestapi.cli.export import main

if __name__ == "__main__":
    sys.exit(main())
