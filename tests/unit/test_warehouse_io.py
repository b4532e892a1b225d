"""Big tables are replaced through a side table: all of the new one, or the old one intact."""

import duckdb
import polars as pl
import pytest

from pipelines.warehouse_io import replace_table_in_parts


def parts(n, value):
    for i in range(n):
        yield pl.DataFrame({"month": [i] * 3, "v": [value] * 3})


def test_parts_replace_the_table(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert replace_table_in_parts(con, "scoring.t", parts(4, 1)) == 12
        assert replace_table_in_parts(con, "scoring.t", parts(2, 2)) == 6
        assert con.execute("select count(*), min(v) from scoring.t").fetchone() == (6, 2)
        names = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
        assert names == {"t"}


def test_a_failure_mid_way_leaves_the_old_table(tmp_path):
    def failing():
        yield pl.DataFrame({"month": [0], "v": [9]})
        raise MemoryError("killed while scoring month 2")

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        replace_table_in_parts(con, "scoring.t", parts(3, 1))
        with pytest.raises(MemoryError):
            replace_table_in_parts(con, "scoring.t", failing())
        assert con.execute("select count(*), max(v) from scoring.t").fetchone() == (9, 1)
        # the next run starts by dropping the leftover side table
        assert replace_table_in_parts(con, "scoring.t", parts(1, 5)) == 3
        assert con.execute("select count(*), max(v) from scoring.t").fetchone() == (3, 5)
