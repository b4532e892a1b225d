"""Small constructors so a suite reads like the rule it states."""

from expectations.runner import ERROR, WARN, Expect, Part, Suite


def columns(*names: str) -> Expect:
    return Expect(
        "ExpectTableColumnsToMatchSet",
        {"column_set": list(names), "exact_match": False},
        ERROR,
        "a column the pipeline relies on is missing or renamed",
    )


def not_null(column: str, severity: str = ERROR, mostly: float = 1.0, why: str = "") -> Expect:
    return Expect(
        "ExpectColumnValuesToNotBeNull",
        {"column": column, "mostly": mostly},
        severity,
        why or f"{column} is a key or required value",
    )


def between(
    column: str,
    lo: float | None,
    hi: float | None,
    severity: str = ERROR,
    mostly: float = 1.0,
    why: str = "",
) -> Expect:
    return Expect(
        "ExpectColumnValuesToBeBetween",
        {"column": column, "min_value": lo, "max_value": hi, "mostly": mostly},
        severity,
        why or f"{column} outside [{lo}, {hi}]",
    )


def in_set(column: str, values: list, severity: str = ERROR, why: str = "") -> Expect:
    return Expect(
        "ExpectColumnValuesToBeInSet",
        {"column": column, "value_set": values},
        severity,
        why or f"{column} holds a code outside its code list",
    )


def length(column: str, n: int, severity: str = ERROR, why: str = "") -> Expect:
    return Expect(
        "ExpectColumnValueLengthsToEqual",
        {"column": column, "value": n},
        severity,
        why or f"{column} must be {n} characters",
    )


def a_not_before_b(
    a: str, b: str, severity: str = ERROR, mostly: float = 1.0, why: str = ""
) -> Expect:
    return Expect(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {
            "column_A": a,
            "column_B": b,
            "or_equal": True,
            "mostly": mostly,
            "ignore_row_if": "either_value_is_missing",
        },
        severity,
        why or f"{a} before {b}",
    )


def period_profile(
    table: str,
    period_sql: str,
    value_sql: str | None = None,
    skip_first: bool = False,
    min_rows: int = 0,
) -> str:
    """SQL for one row per period: rows, the change in rows against the previous period, and
    (optionally) the change in the median of ``value_sql`` — a cheap distribution-drift signal.

    With ``min_rows``, a period whose previous period had fewer rows gets no change (null, which
    the expectations skip): on a feed of a dozen rows a month, a 30% swing is noise, not a
    partial delivery."""
    median = f", median({value_sql}) as median_value" if value_sql else ""
    rows = f"""select {period_sql} as period, count(*) as row_count{median}
               from {table} group by 1"""
    prev = "lag(row_count) over (order by period)"
    enough = f"{prev} >= {int(min_rows)}"
    change = (
        f""", case when {enough} then median_value
                   / nullif(lag(median_value) over (order by period), 0) end as median_change"""
        if value_sql
        else ""
    )
    where = "where period > (select min(period) from r)" if skip_first else ""
    return f"""with r as ({rows})
               select period, row_count,
                      case when {enough} then row_count / nullif({prev}, 0) end as row_change
                      {change}
               from r {where} order by period"""


def monthly_drift(table: str, period_sql: str, value_sql: str) -> Part:
    """The month-over-month part of a monthly feed's suite: rows and the median of
    ``value_sql`` may each move within a band (warnings; months after a month of under 200
    rows are not judged)."""
    return Part(
        "per_period",
        period_profile(table, period_sql, value_sql, skip_first=True, min_rows=200),
        (
            between(
                "row_change",
                0.8,
                1.25,
                WARN,
                why="rows per month changed by more than 20%: a partial or doubled delivery",
            ),
            between(
                "median_change",
                0.5,
                2.0,
                WARN,
                why="the median moved more than 2x month over month: "
                "a unit change or a distribution shift",
            ),
        ),
    )


def volume_suite(contract) -> Suite:
    """The suite of a feed that has no module of its own: rows per month, by the date its
    records are known from (the contract's ``as_of``), may move by at most 20% month over month
    (a warning; months after a month of under 200 rows are not judged). A feed's own module in
    this package replaces it with what it knows of the department's figures."""
    table = f"raw.{contract.feed_id}"
    why = "rows per month changed by more than 20%: a partial or doubled delivery"
    return Suite(
        name=f"raw_{contract.feed_id}",
        table=table,
        asset_key=("raw", contract.feed_id),
        description=f"Beyond the contract (enforced at ingestion): {why}.",
        parts=(
            Part(
                "per_period",
                period_profile(
                    table,
                    f"date_trunc('month', {contract.as_of.dated_by})",
                    skip_first=True,
                    min_rows=200,
                ),
                (between("row_change", 0.8, 1.25, WARN, why=why),),
            ),
        ),
    )
