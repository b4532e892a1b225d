"""Great Expectations suites as code, one module per landing feed or mart under ``suites/``,
and the runner that validates warehouse data against them (used by Dagster asset checks).

GX is imported inside the runner only: the import costs seconds and definitions must load fast.
"""
