#!/usr/bin/env python3
"""sam deploy --config-env ENV, then write .guestapi/outputs-ENV.json. See --help."""

import sys

from guestapi.cli.deploy import main

if __name__ == "__main__":
    sys.exit(main())
