#!/usr/bin/env python3
"""Reports from a stack's access log; see `guestapi.cli.report`."""

import sys

from guestapi.cli.report import main

if __name__ == "__main__":
    sys.exit(main())
