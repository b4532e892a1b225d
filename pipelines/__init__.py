"""Dagster code location of the enterprise-health warehouse (see definitions.py)."""
