"""Credit-reference service for banks (信贷投放参考): a FastAPI service over the last published
snapshot, with API keys, consents and a hash-chained audit log.

- ``snapshot``: loads the published DuckDB copy into an in-memory index of ready bodies and
  swaps to a new one by reference when the pipeline republishes.
- ``store``: keys, principals and consents (SQLAlchemy Core; SQLite WAL or PostgreSQL).
- ``audit``: the append-only, hash-chained audit log and its group-commit writer.
- ``app``: the HTTP endpoints; ``cli``: ``python -m bank_api keys|consents|audit|serve``.
"""
