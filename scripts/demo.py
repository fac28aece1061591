#!/usr/bin/env python3
"""Offline stack + check suite in one command (`make demo`); see `guestapi.cli.demo`."""

import sys

from guestapi.cli.demo import main

if __name__ == "__main__":
    sys.exit(main())
