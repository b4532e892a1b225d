"""Great Expectations suites catch what they say they catch, and an erroring suite fails."""

from datetime import date, timedelta

import duckdb
import pytest

from expectations.runner import run_suite
from expectations.suites import ALL_SUITES
from expectations.suites.raw_tax_declaration import SUITE as TAX
from ingest.contracts import CONTRACTS
from ingest.validate import bounds

GOOD = "914403001922038216"


def tax_rows(months=4, firms=250, sales=100_000.0, arrears=0.0):
    """Declarations as ingestion accepts them (negative arrears, say, never reach raw)."""
    rows = []
    for m in range(months):
        start = date(2024, 1 + m, 1)
        end = date(2024, 2 + m, 1) - timedelta(days=1)
        for f in range(firms):
            rows.append(
                (
                    GOOD,
                    start,
                    end,
                    end + timedelta(days=10),
                    sales + f,
                    1000.0,
                    0.0,
                    arrears,
                    f"{2024}{1 + m:02d}",
                )
            )
    return rows


@pytest.fixture
def con():
    with duckdb.connect() as c:
        c.execute("create schema raw")
        yield c


def load(con, rows):
    con.execute(
        """create or replace table raw.tax_declaration (uscc varchar, period_start_date date,
           period_end_date date, declared_date date, sales double, vat_payable double,
           cit_paid double, tax_arrears double, _period varchar)"""
    )
    con.executemany("insert into raw.tax_declaration values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def failed(outcome):
    return {(r["part"], r["expectation"].split("(")[0], r["severity"]) for r in outcome.failed}


def test_clean_declarations_pass(con):
    load(con, tax_rows())
    outcome = run_suite(TAX, con)
    assert outcome.error is None
    assert outcome.passed, outcome.failed
    assert len(outcome.results) == sum(len(p.expectations) for p in TAX.parts)


def test_sales_reported_in_the_wrong_unit_fail_severely(con):
    # 2e11 CNY a month passes ingestion's plausible range (it is a number a firm could have)
    # but not the suite's: a month of sales above 100bn is a 元/万元 slip
    load(con, tax_rows(sales=2e11))
    outcome = run_suite(TAX, con)
    assert not outcome.passed and outcome.severe_failed
    assert ("sample", "expect_column_values_to_be_between", "error") in failed(outcome)


def test_a_partial_month_is_caught(con):
    rows = tax_rows()
    partial = [r for r in rows if not (r[-1] == "202403" and r[4] % 2 == 0)]  # half of March
    load(con, partial)
    outcome = run_suite(TAX, con)
    assert outcome.severe_failed
    assert any(
        r["part"] == "per_period" and "row_change" in r["expectation"] for r in outcome.failed
    )


def test_a_small_county_swing_is_not_a_partial_delivery(con):
    # 50 declarations a month: under the 200-row floor, a swing of a few firms is noise
    rows = tax_rows(firms=50)
    load(con, [r for r in rows if not (r[-1] == "202403" and r[4] % 2 == 0)])
    outcome = run_suite(TAX, con)
    assert not any("row_change" in r["expectation"] for r in outcome.failed)


def test_a_unit_slip_is_a_warning_not_a_block(con):
    rows = tax_rows()
    # April declared in 万元 by mistake: median falls 10,000-fold but stays within range
    slipped = [(*r[:4], r[4] / 10_000, *r[5:]) if r[-1] == "202404" else r for r in rows]
    load(con, slipped)
    outcome = run_suite(TAX, con)
    assert not outcome.passed
    assert not outcome.severe_failed
    assert ("per_period", "expect_column_values_to_be_between", "warn") in failed(outcome)


def test_a_suite_that_cannot_run_is_failed_not_passed(con):
    outcome = run_suite(TAX, con)  # raw.tax_declaration does not exist
    assert outcome.error and "tax_declaration" in outcome.error
    assert not outcome.passed
    assert outcome.severe_failed


def test_every_feed_and_scoring_mart_has_a_suite():
    guarded = {s.table for s in ALL_SUITES}
    assert {
        "raw.amr_registry",
        "raw.amr_annual_report",
        "raw.tax_declaration",
        "raw.stats_industry_monthly",
        "raw.court_enforcement",
        "raw.credit_dishonest",
        "marts.fct_firm_indicators",
        "scoring.firm_health_scores",
        "delivery.rpt_monthly_alert_list",
    } <= guarded


def test_dbt_source_freshness_results_are_read_per_feed():
    from pipelines.defs.quality.freshness import freshness_results

    sources = {
        "results": [
            {
                "unique_id": "source.enterprise_health.raw.tax_declaration",
                "status": "warn",
                "max_loaded_at": "2026-09-30T00:00:00",
                "age": 52 * 86400.0,
            },
            {
                "unique_id": "source.enterprise_health.raw.amr_registry",
                "status": "runtime error",
                "error": "Catalog Error: Table with name amr_registry does not exist",
            },
        ]
    }
    got = freshness_results(sources)
    assert got["tax_declaration"]["status"] == "warn"
    assert got["tax_declaration"]["age_days"] == 52.0
    assert "does not exist" in got["amr_registry"]["error"]


def _restates_the_contract(expect, contract) -> bool:
    """True when ingestion already guarantees what the expectation checks (it cannot fail on
    ingested rows, so it adds run time and no protection)."""
    columns = {c.name: c for c in contract.columns}
    column = columns.get(expect.kwargs.get("column"))
    if expect.kind == "ExpectTableColumnsToMatchSet":
        return True  # the raw table is created from the contract's columns
    if column is None:
        return False
    if expect.kind == "ExpectColumnValuesToNotBeNull":
        return column.required
    if expect.kind == "ExpectColumnValueLengthsToEqual":
        return column.type == "uscc"
    if expect.kind == "ExpectColumnValuesToBeInSet":
        return bool(column.allowed) and set(column.allowed) <= set(expect.kwargs["value_set"])
    if expect.kind == "ExpectColumnValuesToBeBetween" and column.type in ("int", "decimal"):
        lo, hi = bounds(column)
        wanted_lo, wanted_hi = expect.kwargs["min_value"], expect.kwargs["max_value"]
        return (wanted_lo is None or lo >= wanted_lo) and (wanted_hi is None or hi <= wanted_hi)
    return False


def test_raw_suites_check_what_ingestion_cannot():
    restated = [
        (suite.name, e.kind, e.kwargs.get("column"))
        for suite in ALL_SUITES
        if suite.table.startswith("raw.")
        for part in suite.parts
        for e in part.expectations
        if _restates_the_contract(e, CONTRACTS[suite.table.removeprefix("raw.")])
    ]
    assert not restated, f"these expectations cannot fail on ingested rows: {restated}"
    # and each raw suite still guards something
    assert all(any(p.expectations for p in s.parts) for s in ALL_SUITES)
