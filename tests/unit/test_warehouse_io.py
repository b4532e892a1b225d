"""Big tables are replaced through a side table: all of the new one, or the old one intact."""

import datetime as dt

import duckdb
import polars as pl
import pytest

from pipelines.warehouse_io import SideTables, replace_table_in_parts


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


def month_part(month: int, rows: int = 2) -> pl.DataFrame:
    day = dt.date(2025, month, 1)
    return pl.DataFrame({"period_month": [day] * rows, "v": list(range(rows))})


def test_buffered_parts_are_written_together_and_read_back_in_order(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema delivery")
        con.execute("create table delivery.t as select date '2024-12-01' as period_month, 7 as v")
        keep = {"delivery.t": "period_month < date '2025-01-01'"}
        with SideTables(con, ["delivery.t"], keep=keep, buffer_rows=5) as out:
            out.append("delivery.t", month_part(1))
            out.append("delivery.t", month_part(2))
            # 4 rows wait: nothing new written yet, but a reader of the run's months sees them
            side = "select count(*) from delivery.t__next"
            assert con.execute(side).fetchall() == [(1,)]
            seen = out.read_months("delivery.t", dt.date(2024, 12, 1), dt.date(2025, 1, 1))
            assert seen["v"].to_list() == [7, 0, 1]
            assert seen.schema == {"period_month": pl.Date, "v": pl.Int32}
            out.append("delivery.t", month_part(3))  # 6 rows: written in one insert
            assert con.execute(side).fetchall() == [(7,)]
            out.append("delivery.t", month_part(4))
            assert out.rows["delivery.t"] == 8
        months = con.execute(
            "select period_month, count(*) from delivery.t group by 1 order by 1"
        ).fetchall()
        assert [(m.month, n) for m, n in months] == [(12, 1), (1, 2), (2, 2), (3, 2), (4, 2)]


def test_buffered_parts_of_a_failed_run_are_never_written(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        replace_table_in_parts(con, "delivery.t", [month_part(1)])
        with pytest.raises(RuntimeError), SideTables(con, ["delivery.t"], buffer_rows=100) as out:
            out.append("delivery.t", month_part(2, rows=50))
            raise RuntimeError("killed in month 3")
        assert con.execute("select count(*) from delivery.t").fetchall() == [(2,)]
