"""Small constructors so a suite reads like the rule it states."""

from expectations.runner import ERROR, Expect


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
