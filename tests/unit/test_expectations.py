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


def test_a_feed_without_a_suite_of_its_own_is_still_watched_for_partial_months(con):
    """A new department's feed gets the contract-built volume suite (no suite file to write)."""
    from expectations.suites._common import volume_suite
    from ingest.schema import AsOf, Column, FeedContract

    contract = FeedContract(
        feed_id="hpf_contribution", department="hpf", department_zh="住房公积金",
        department_en="housing provident fund", title_zh="公积金缴存",
        file_pattern=r"hpf_(?P<period>\d{6})\.csv", format="csv", encoding="utf-8",
        columns=(Column("统一社会信用代码", "uscc", "uscc"),
                 Column("缴存月份", "paid_month", "month_compact")),
        key=("uscc", "paid_month"), as_of=AsOf("paid_month", monthly=True),
    )  # fmt: skip
    suite = volume_suite(contract)
    assert suite.name == "raw_hpf_contribution" and suite.asset_key == ("raw", "hpf_contribution")
    months = [date(2025, m, 1) for m in range(1, 7)]
    rows = [(GOOD, m) for m in months for _ in range(300 if m != date(2025, 4, 1) else 120)]
    con.execute("create table raw.hpf_contribution (uscc varchar, paid_month date)")
    con.executemany("insert into raw.hpf_contribution values (?, ?)", rows)
    outcome = run_suite(suite, con)
    assert outcome.error is None and not outcome.passed and not outcome.severe_failed
    assert failed(outcome) == {("per_period", "expect_column_values_to_be_between", "warn")}
    con.execute("delete from raw.hpf_contribution where paid_month = '2025-04-01'")
    con.executemany(
        "insert into raw.hpf_contribution values (?, ?)", [(GOOD, date(2025, 4, 1))] * 300
    )
    assert run_suite(suite, con).passed


def test_every_feed_has_a_raw_suite():
    guarded = {s.table for s in ALL_SUITES}
    missing = sorted(f"raw.{feed}" for feed in CONTRACTS if f"raw.{feed}" not in guarded)
    assert not missing, f"no suite guards {missing}"


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


def test_source_freshness_follows_the_rules_of_the_sources_yaml():
    import datetime as dt

    import duckdb

    from ingest.contracts import CONTRACTS
    from pipelines.defs.quality.freshness import freshness_rules, source_freshness

    rules = freshness_rules()
    assert set(rules) == set(CONTRACTS)  # every feed has a rule, read from dbt's YAML
    tax = rules["tax_declaration"]  # period_end_date; warn after 50 days, error after 80
    assert (tax.warn_after_s, tax.error_after_s) == (50 * 86400, 80 * 86400)
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.tax_declaration (period_end_date date)")
    con.execute("insert into raw.tax_declaration values ('2026-08-31'), ('2026-09-30')")
    con.execute("create table raw.amr_annual_report (filed_date date)")  # empty
    picked = {k: rules[k] for k in ("tax_declaration", "amr_annual_report", "amr_registry")}

    def status(now: str) -> dict:
        return source_freshness(con, picked, dt.datetime.fromisoformat(now))

    assert status("2026-10-20")["tax_declaration"]["status"] == "pass"
    late = status("2026-11-21")["tax_declaration"]
    assert (late["status"], late["age_days"], late["max_loaded_at"]) == (
        "warn", 52.0, "2026-09-30T00:00:00",
    )  # fmt: skip
    got = status("2026-12-20")
    assert got["tax_declaration"]["status"] == "error"
    assert got["amr_annual_report"] == {
        "status": "error", "max_loaded_at": None, "age_days": None, "error": "the feed has no rows",
    }  # fmt: skip
    assert got["amr_registry"]["status"] == "runtime error"
    assert "amr_registry" in got["amr_registry"]["error"]


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
