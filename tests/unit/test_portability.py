"""The dialect lint and the row hashes of the Spark parity check, on hand-written SQL and tables."""

import datetime as dt
import decimal

import pyarrow as pa

from portability.row_hash import compare, normalise, row_hashes
from portability.spark_build import dbt_command
from portability.sql_lint import LintResult, lint_sql, spark_functions


def _problems(sql: str) -> list[tuple[str, str]]:
    result = LintResult()
    lint_sql("model.x", sql, spark_functions(), result)
    return sorted((f.dialect, f.problem) for f in result.findings)


def test_duckdb_only_sql_fails_the_lint_with_what_to_fix():
    assert _problems("select t.* exclude (firm_id) from t") == [
        ("spark", "star modifier (* exclude / except / replace): list the columns"),
        ("trino", "star modifier (* exclude / except / replace): list the columns"),
    ]
    assert ("spark", "function not in Spark: strftime") in _problems(
        "select strftime(period_month, '%Y%m') as m from t"
    )
    spark_only = _problems("select list_sort(string_split(a, ',')) as b from t")
    assert ("spark", "function not in Spark: list_sort") in spark_only
    assert ("spark", "function not in Spark: string_split") in spark_only
    assert ("spark", "union by name: list the columns") in _problems(
        "select a from x union all by name select a from y"
    )
    assert ("spark", "information_schema: read the catalog through the adapter") in _problems(
        "select column_name from information_schema.columns"
    )
    assert _problems("select a, count(*) as n from t group by all") == [("trino", "group by all")]
    assert ("spark", "with x as [not] materialized (DuckDB's plan hint)") in _problems(
        "with x as materialized (select 1 as a) select a from x"
    )
    windows = _problems(
        "select last_value(a ignore nulls) over (w rows between 1 preceding and current row) as b"
        " from t window w as (partition by c order by d)"
    )
    assert windows == [
        ("spark", "ignore nulls inside the parentheses: last_value(x) ignore nulls"),
        (
            "spark",
            "named window refined in over (w rows ...): name each frame in the window clause",
        ),
    ]


def test_spark_sql_of_the_dispatch_macros_is_clean_under_spark():
    sql = """
    with w as (
        select firm_id, listagg(rule, '、') within group (order by code) as rules,
            array_join(array_sort(array_distinct(split(needs, '、'))), '、') as needs,
            date_format(period_month, 'yyyyMM') as label
        from t group by firm_id, period_month, needs
    )
    select w.firm_id, d.n from w cross join (select 0 as n) as d
    """
    assert _problems(sql) == []


def test_a_parse_error_fails_under_spark_and_is_reported_under_trino():
    result = LintResult()
    lint_sql("model.x", "select (a from t", spark_functions(), result)
    assert [f.dialect for f in result.findings] == ["spark"]
    assert [f.dialect for f in result.trino_notes] == ["trino"]


def test_row_hashes_ignore_row_order_and_physical_types():
    left = pa.table(
        {
            "firm_id": ["a", "b"],
            "amount": pa.array([decimal.Decimal("5.00"), None], pa.decimal128(18, 2)),
            "month": [dt.date(2026, 1, 1), dt.date(2026, 2, 1)],
        }
    )
    right = pa.table(
        {
            "month": ["2026-02-01", "2026-01-01"],  # a Hive partition column is text
            "firm_id": ["b", "a"],
            "amount": pa.array([None, 5], pa.int64()),
        }
    )
    assert row_hashes(left) == row_hashes(right)
    assert compare("t", left, right).identical


def test_one_changed_value_makes_the_tables_differ():
    left = pa.table({"firm_id": ["a", "b"], "score": [0.5, 0.25]})
    right = pa.table({"firm_id": ["a", "b"], "score": [0.5, 0.2500001]})
    diff = compare("t", left, right)
    assert (diff.identical, diff.only_left, diff.only_right) == (False, 1, 1)


def test_parity_rounds_doubles_to_twelve_significant_digits_the_exact_mode_does_not():
    assert normalise(0.1 + 0.2, float_digits=12) == normalise(0.3, float_digits=12)
    assert normalise(0.1 + 0.2) != normalise(0.3)


def test_dbt_runs_on_the_spark_target_without_partial_parse():
    command = dbt_command(["run-operation", "register_parquet_sources"])
    assert command[1:3] == ["run-operation", "register_parquet_sources"]
    assert command[-3:] == ["--target", "spark", "--no-partial-parse"]


def test_doubles_a_few_ulps_apart_match_but_a_truncated_decimal_does_not():
    # 0.07672592033394987 vs ...009: summation order, on either side of the 12th digit
    left = pa.table({"firm_id": ["a", "b"], "yoy": [0.07672592033394987, 0.5]})
    noise = pa.table({"firm_id": ["a", "b"], "yoy": [0.07672592033395009, 0.5]})
    assert compare("t", left, noise).identical
    # Spark's decimal division keeps 10 decimals: 0.4237741439 is not DuckDB's double
    left = pa.table({"firm_id": ["a"], "ratio": [0.42377414385381296]})
    truncated = pa.table({"firm_id": ["a"], "ratio": [0.4237741439]})
    assert not compare("t", left, truncated).identical
