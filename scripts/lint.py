#!/usr/bin/env python3
"""cfn-lint, sam validate --lint and checkov on template.yaml. See --help."""

import sys

from guestapi.cli.lint import main

if __name__ == "__main__":
    sys.exit(main())
