"""Writing big tables into the warehouse without holding them in memory or exposing half of them.

DuckDB keeps an open transaction's inserts in memory, so writing 36 months of 1M firms inside
one transaction does not fit a 24 GB machine (seen: the scoring step was OOM-killed at 1M firms).
Instead parts are committed into side tables ``<table>__next``, and the side tables replace the
live ones in one short transaction at the end: readers see the old tables or the new ones, never
a mix, and a crash leaves the live tables intact (the next run drops leftover side tables first).

A run that rewrites only some months (a monthly partition) first copies the live rows it keeps
into the side table (``keep``: a SQL predicate per table), then appends the new months.

Small parts can be buffered (``buffer_rows``) and written together: each insert into DuckDB has
a fixed cost, and writing 36 monthly parts of the alert tables in 6 inserts instead of 36 halves
the time (measured: 17.2 s vs 8.6 s for 3.7M lifecycle rows). ``read_months`` sees the buffered
parts too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import duckdb
import polars as pl


class SideTables:
    """Context manager: append frames to side tables, swap them all in on a clean exit.

    >>> with duckdb.connect() as con:
    ...     with SideTables(con, ["scoring.t"]) as side:
    ...         side.append("scoring.t", pl.DataFrame({"a": [1, 2]}))
    ...     con.execute("select count(*) from scoring.t").fetchone()[0]
    2
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        tables: list[str],
        keep: dict[str, str] | None = None,
        buffer_rows: int = 0,
    ):
        self.con = con
        self.tables = tables
        self.keep = keep or {}
        self.rows = dict.fromkeys(tables, 0)
        self.buffer_rows = buffer_rows
        self._pending: dict[str, list[pl.DataFrame]] = {t: [] for t in tables}

    @staticmethod
    def side_name(table: str) -> str:
        return f"{table}__next"

    def __enter__(self) -> SideTables:
        for table in self.tables:
            self.con.execute(f"create schema if not exists {table.split('.')[0]}")
            self.con.execute(f"drop table if exists {self.side_name(table)}")
            if table in self.keep and self._exists(table):
                self.con.execute(
                    f"create table {self.side_name(table)} as "
                    f"select * from {table} where {self.keep[table]}"
                )
        return self

    def append(self, table: str, frame: pl.DataFrame) -> None:
        """Commit ``frame`` into the side table of ``table`` (created by the first write), or
        buffer it until ``buffer_rows`` rows of the table wait."""
        self.rows[table] += frame.height
        self._pending[table].append(frame)
        if sum(part.height for part in self._pending[table]) >= self.buffer_rows:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        """Write the buffered parts of ``table`` (every table when None) in one insert."""
        for name in [table] if table else self.tables:
            parts, self._pending[name] = self._pending[name], []
            if parts:
                self._write(
                    name, parts[0] if len(parts) == 1 else pl.concat(parts, how="diagonal_relaxed")
                )

    def read_months(self, table: str, first: dt.date, last: dt.date) -> pl.DataFrame | None:
        """Return the rows of ``table``'s side table with ``period_month`` in first..last, the
        written ones and the buffered ones, in the order they were appended (None when the
        side table holds nothing yet)."""
        parts = [
            part.filter(pl.col("period_month").is_between(first, last))
            for part in self._pending[table]
        ]
        if self._side_exists(table):
            written = self.con.sql(
                f"select * from {self.side_name(table)} where period_month between $1 and $2",
                params=[first, last],
            ).pl()
            types = written.schema
            parts = [
                written,
                *(p.cast({c: types[c] for c in p.columns if c in types}) for p in parts),
            ]
        return pl.concat(parts, how="diagonal_relaxed") if parts else None

    def _write(self, table: str, frame: pl.DataFrame) -> None:
        self.con.register("_part", frame.to_arrow())
        try:
            if not self._side_exists(table):
                self.con.execute(f"create table {self.side_name(table)} as select * from _part")
            else:
                self._add_new_columns(table)
                self.con.execute(f"insert into {self.side_name(table)} by name select * from _part")
        finally:
            self.con.unregister("_part")

    def _add_new_columns(self, table: str) -> None:
        """Add to the side table the columns of ``_part`` it lacks (rows carried over from an
        older table get nulls there), so a new output column never fails a partial run."""
        side = self.side_name(table)
        have = {r[0] for r in self.con.execute(f"describe {side}").fetchall()}
        for name, kind, *_ in self.con.execute("describe select * from _part").fetchall():
            if name not in have:
                self.con.execute(f'alter table {side} add column "{name}" {kind}')

    def _side_exists(self, table: str) -> bool:
        return self._exists(self.side_name(table))

    def _exists(self, table: str) -> bool:
        schema, name = table.split(".")
        return bool(
            self.con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = ? and table_name = ?",
                [schema, name],
            ).fetchall()[0][0]  # fetchall: DuckDB 2 refuses new work while a result is open
        )

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            return  # live tables untouched; leftovers are dropped by the next run
        self.flush()
        self.con.execute("begin transaction")
        try:
            for table in self.tables:
                self.con.execute(f"drop table if exists {table}")
                if self._side_exists(table):
                    name = table.split(".")[1]
                    self.con.execute(f"alter table {self.side_name(table)} rename to {name}")
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise


def replace_table_in_parts(
    con: duckdb.DuckDBPyConnection,
    table: str,
    parts: Iterable[pl.DataFrame],
    on_part: Callable[[int, int], None] = lambda _i, _rows: None,
) -> int:
    """Write ``parts`` to ``table`` (schema.name) through a side table; return rows written."""
    with SideTables(con, [table]) as side:
        for i, part in enumerate(parts, start=1):
            side.append(table, part)
            on_part(i, side.rows[table])
    return side.rows[table]
