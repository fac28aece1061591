"""Command-line entry points: argument parsing, one call into the package, an exit code."""
