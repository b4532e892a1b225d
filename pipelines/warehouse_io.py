"""Writing big tables into the warehouse without holding them in memory or exposing half of them.

DuckDB keeps an open transaction's inserts in memory, so writing 36 months of 1M firms inside
one transaction does not fit a 24 GB machine. Instead each part is committed into a side table
``<table>__next``, and the side table replaces the live one in one short transaction at the end:
readers see the old table or the new one, never a mix, and a crash leaves the live table intact
(the next run drops the leftover side table first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import duckdb
import polars as pl


def replace_table_in_parts(
    con: duckdb.DuckDBPyConnection,
    table: str,
    parts: Iterable[pl.DataFrame],
    on_part: Callable[[int, int], None] = lambda _i, _rows: None,
) -> int:
    """Write ``parts`` to ``table`` (schema.name) through a side table; return rows written."""
    schema, name = table.split(".")
    side = f"{schema}.{name}__next"
    con.execute(f"create schema if not exists {schema}")
    con.execute(f"drop table if exists {side}")
    rows = 0
    for i, part in enumerate(parts, start=1):
        con.register("_part", part.to_arrow())
        try:
            if i == 1:
                con.execute(f"create table {side} as select * from _part")
            else:
                con.execute(f"insert into {side} select * from _part")
        finally:
            con.unregister("_part")
        rows += part.height
        on_part(i, rows)
    if rows == 0 and not _exists(con, schema, f"{name}__next"):
        return 0
    con.execute("begin transaction")
    try:
        con.execute(f"drop table if exists {table}")
        con.execute(f"alter table {side} rename to {name}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return rows


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )
