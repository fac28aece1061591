#!/usr/bin/env python3
"""Make or hash an attestation debug token; see `guestapi.cli.debug_token`."""

import sys

from guestapi.cli.debug_token import main

if __name__ == "__main__":
    sys.exit(main())
