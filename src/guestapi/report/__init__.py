"""Reports read from a stack's access log: `report.py attestation` (monitor -> enforce)."""
