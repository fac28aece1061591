#!/usr/bin/env python3
"""Run the post-deploy check suite against a stack; see `guestapi.cli.check`."""

import sys

from guestapi.cli.check import main

if __name__ == "__main__":
    sys.exit(main())
