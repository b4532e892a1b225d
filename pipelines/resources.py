"""Resources shared by the assets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file. Connections are opened only inside ``with`` blocks so no asset
    holds the single-writer lock longer than its own work."""

    path: str

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # same bound as dbt's profile (EH_DUCKDB_MEMORY_LIMIT), so one process never takes the box
        limit = os.environ.get("EH_DUCKDB_MEMORY_LIMIT", "10GB")
        con = duckdb.connect(self.path, read_only=read_only, config={"memory_limit": limit})
        try:
            yield con
        finally:
            con.close()
