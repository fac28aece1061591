#!/usr/bin/env python3
"""Make one SigV4-signed guest call to the API; see `guestapi.cli.call`."""

import sys

from guestapi.cli.call import main

if __name__ == "__main__":
    sys.exit(main())
