"""The whole pipeline on 400 simulated firms x 24 months, as a data team would check it."""

from datetime import date

import polars as pl
import pytest

from expectations.suites import ALL_SUITES
from scoring import roc_auc
from scoring.backtest import distress_labels
from tests.integration.conftest import run_pipeline

pytestmark = pytest.mark.integration

FAULT_TO_REASON = {
    "bad_check_char": "bad_uscc",
    "unparseable_number": "unparseable_number",
    "duplicate_row": "duplicate_row",
}
CHECKSUM_TABLES = [
    "raw.tax_declaration",
    "raw.quarantine",
    "marts.fct_firm_indicators",
    "scoring.firm_health_scores",
    "delivery.rpt_monthly_alert_list",
    "delivery.alert_lifecycle",
    "delivery.rpt_agency_alert_rows",
]


def checksums(run) -> dict[str, str]:
    """Order-independent content checksum of each table (row text sorted, then hashed)."""
    return {
        table: run.sql(
            f"select md5(string_agg(cast(t as varchar), '\n' order by cast(t as varchar))) "
            f"from {table} t"
        )[0][0]
        for table in CHECKSUM_TABLES
    }


def test_every_step_succeeds(pipeline):
    failures = [e.step_key for e in pipeline.result.all_events if e.is_step_failure]
    assert failures == []
    assert pipeline.result.success


def test_every_great_expectations_suite_ran_and_passed(pipeline):
    evaluations = {
        e.check_name: e.passed
        for e in pipeline.result.get_asset_check_evaluations()
        if e.check_name.startswith("gx_")
    }
    assert len(evaluations) == len(ALL_SUITES)  # every suite, none skipped
    assert all(evaluations.values()), evaluations


def test_received_equals_accepted_plus_quarantined_for_every_landed_file(pipeline):
    landed = {
        p.relative_to(pipeline.landing).as_posix()
        for p in pipeline.landing.rglob("*")
        if p.is_file()
    }
    log = pipeline.frame("select * from raw.ingest_files")
    assert set(log["file"]) == landed
    assert (log["status"] == "loaded").all()
    assert (log["received"] == log["accepted"] + log["quarantined"]).all()
    for feed in log["feed_id"].unique():
        per_file = dict(pipeline.sql(f"select _file, count(*) from raw.{feed} group by 1"))
        quarantined = dict(
            pipeline.sql(
                "select file, count(*) from raw.quarantine where feed_id = ? group by 1", [feed]
            )
        )
        for row in log.filter(pl.col("feed_id") == feed).iter_rows(named=True):
            assert per_file.get(row["file"], 0) == row["accepted"], row["file"]
            assert quarantined.get(row["file"], 0) == row["quarantined"], row["file"]


def test_quarantine_holds_exactly_the_injected_bad_rows(pipeline):
    injected = pl.read_csv(pipeline.truth / "injected_faults.csv")
    assert injected.height > 20  # the fixture's fault rate must really inject faults
    expected = {
        (r["file"], r["line"], FAULT_TO_REASON[r["fault"]]) for r in injected.iter_rows(named=True)
    }
    got = set(pipeline.sql("select file, line, reason_code from raw.quarantine"))
    assert got == expected


def test_late_files_are_loaded_under_their_own_period(pipeline):
    late = pl.read_csv(pipeline.truth / "late_files.csv", infer_schema=False)
    assert late.height > 0, "the fixture's fault rate should place at least one late file"
    period_column = {
        "tax_declaration": "period_start_date",
        "stats_industry_monthly": "report_month",
    }
    for row in late.iter_rows(named=True):
        assert row["delivery_period"] > row["period"]
        assert f"/{row['delivery_period']}/" in row["file"]
        period = date(int(row["period"][:4]), int(row["period"][4:]), 1)
        months = pipeline.sql(
            f"select distinct {period_column[row['feed']]} from raw.{row['feed']} where _file = ?",
            [row["file"]],
        )
        assert months == [(period,)]


def test_missing_months_are_gaps_not_zeros(pipeline):
    missing = pl.read_csv(
        pipeline.truth / "missing_rows.csv", schema_overrides={"period": pl.String}
    )
    tax = missing.filter(pl.col("feed") == "tax_declaration").head(50)
    assert tax.height > 0
    for row in tax.iter_rows(named=True):
        month = date(int(row["period"][:4]), int(row["period"][4:]), 1)
        assert pipeline.sql(
            "select count(*) from staging.stg_tax__declarations "
            "where firm_id = ? and period_month = ?",
            [row["uscc"], month],
        ) == [(0,)]
    # the firm-months are still in the panel, with fewer active months than a full year
    firm = tax.row(0, named=True)
    month = date(int(firm["period"][:4]), int(firm["period"][4:]), 1)
    assert pipeline.sql(
        "select count(*) from marts.fct_firm_indicators where firm_id = ? and period_month = ?",
        [firm["uscc"], month],
    ) == [(1,)]


def test_reports_that_disagree_with_tax_show_a_larger_gap(pipeline):
    mismatched = (
        pl.read_csv(pipeline.truth / "report_mismatches.csv")
        .filter(pl.col("item") == "total_revenue")["uscc"]
        .unique()
        .to_list()
    )
    assert mismatched
    gaps = pipeline.frame(
        "select firm_id, median(report_tax_gap) as gap from marts.fct_firm_indicators "
        "where report_tax_gap is not null group by 1"
    )
    flagged = gaps.filter(pl.col("firm_id").is_in(mismatched))["gap"].median()
    others = gaps.filter(~pl.col("firm_id").is_in(mismatched))["gap"].median()
    assert flagged > 2 * others


def test_every_firm_month_gets_one_grade(pipeline):
    scores = pipeline.frame("select * from scoring.firm_health_scores")
    panel = pipeline.sql("select count(*) from marts.fct_firm_indicators")[0][0]
    assert scores.height == panel
    assert scores.select(pl.struct("firm_id", "period_month").is_unique().all()).item()
    assert set(scores["grade"]) <= {"健康", "亚健康", "不健康", "数据不足", "已退出"}
    assert {"健康", "亚健康", "不健康", "已退出"} <= set(scores["grade"])
    graded = scores.filter(~pl.col("grade").is_in(["数据不足", "已退出"]))
    assert graded["overall_score"].is_between(0, 100).all()


def test_red_flags_force_unhealthy_and_dead_firms_exit(pipeline):
    rows = pipeline.frame(
        """select s.grade, s.red_flags, i.is_revoked, t.firm_status
           from scoring.firm_health_scores s
           join marts.fct_firm_indicators i using (firm_id, period_month)
           join marts.fct_firm_status t using (firm_id, period_month)
           where i.is_dishonest_debtor or i.is_revoked"""
    )
    assert rows.height > 0
    live = rows.filter(pl.col("firm_status") == "live")
    assert live.height > 0 and (live["grade"] == "不健康").all()
    assert live["red_flags"].list.len().min() >= 1
    # a revoked firm is not 不健康 for ever: it has left for the exit track
    revoked = rows.filter(pl.col("is_revoked"))
    assert revoked.height > 0 and (revoked["grade"] == "已退出").all()
    dormant = pipeline.frame(
        """select s.grade from scoring.firm_health_scores s
           join marts.fct_firm_status t using (firm_id, period_month)
           where t.firm_status = 'dormant'"""
    )
    assert dormant.height > 0 and (dormant["grade"] == "已退出").all()


def test_alert_list_is_short_ranked_and_holds_no_dead_firm(pipeline):
    files = sorted((pipeline.output_dir / "extracts").glob("alert_list_*.csv"))
    # one extract per scored month (monthly partitions), the latest being 2026-09
    assert len(files) == 24
    assert files[-1].name == "alert_list_202609.csv"
    data = files[-1].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].decode("utf-8").splitlines()[0].split(",")
    assert header[:5] == ["预警编号", "所属月份", "风险排名", "统一社会信用代码", "企业名称"]
    extract = pl.read_csv(files[-1], infer_schema=False)
    live, listed, dead_listed = pipeline.sql(
        """select count(*) filter (where s.grade_code <> 'exited'),
                  count(l.firm_id),
                  count(l.firm_id) filter (where s.grade_code = 'exited')
           from scoring.firm_health_scores s
           left join delivery.rpt_monthly_alert_list l using (firm_id, period_month)
           where s.period_month = '2026-09-01'"""
    )[0]
    assert extract.height == listed > 0
    assert dead_listed == 0
    # the budget: at most 5% of each county's live firms (at least one each, among firms some
    # rule fires for), plus new severe flags
    quota, severe = pipeline.sql(
        """select sum(q), (select count(*) from delivery.rpt_monthly_alert_list
                           where period_month = '2026-09-01' and is_listed_for_red_flag)
           from (select county_code, max(county_quota) as q from delivery.alert_ranking
                 where period_month = '2026-09-01' group by 1)"""
    )[0]
    assert severe <= listed <= quota + severe < 0.25 * live
    ranks = extract["风险排名"].cast(pl.Int64).to_list()
    assert ranks == sorted(ranks)
    assert extract["预警规则"].null_count() < extract.height


def test_agencies_get_only_their_fields_and_alerts_are_not_resent(pipeline):
    import json

    from alerts.config import load_config
    from alerts.extracts import agency_columns

    config = load_config()
    root = pipeline.output_dir / "extracts" / "agencies"
    assert len({p.name for p in root.iterdir()}) == len(config.agencies) >= 5
    for agency in config.agencies:
        folder = root / agency.code / "202609"
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        expected = list(agency_columns(agency.fields).values())
        csv = pl.read_csv(folder / f"alert_list_{agency.code}_202609.csv", infer_schema=False)
        xlsx = pl.read_excel(
            folder / f"alert_list_{agency.code}_202609.xlsx", sheet_name="预警清单"
        )
        parquet = pl.read_parquet(folder / f"alert_list_{agency.code}_202609.parquet")
        for frame in (csv, xlsx, parquet):
            assert frame.columns == expected
            assert frame.height == manifest["rows"]
        if "pd" not in agency.fields:
            assert "12个月违约概率" not in csv.columns
        assert set(manifest["files"]) == {
            f"alert_list_{agency.code}_202609.{ext}" for ext in ("csv", "xlsx", "parquet")
        }
        assert manifest["model_versions"] and manifest["period_month"] == "2026-09"
    repeats = pipeline.sql(
        """select count(*) from delivery.alert_lifecycle a
           join delivery.alert_lifecycle b on a.fingerprint = b.fingerprint
            and b.period_month = a.period_month - interval 1 month
           where a.is_sent and b.is_sent and a.state = b.state and a.state <> 'resolved'
             and a.severity = b.severity"""
    )[0][0]
    ongoing = pipeline.sql(
        "select count(*) from delivery.alert_lifecycle where state = 'ongoing' and not is_sent"
    )[0][0]
    assert repeats == 0 and ongoing > 0


def test_market_supervision_gets_its_lists_as_csv(pipeline):
    extracts = pipeline.output_dir / "extracts"
    anomalies = sorted(extracts.glob("crosscheck_anomalies_*.csv"))
    assert anomalies, "no 智联查 anomaly extract written"
    rows = pl.concat([pl.read_csv(f, infer_schema=False) for f in anomalies])
    listed = pipeline.sql("select count(*) from marts.rpt_crosscheck_anomaly_list")[0][0]
    assert rows.height == listed > 0
    assert anomalies[0].read_bytes().startswith(b"\xef\xbb\xbf")
    assert {"统一社会信用代码", "年报项目", "年报填报值", "部门数据值", "差额"} <= set(rows.columns)
    revocation = list(extracts.glob("revocation_candidates_*.csv"))
    candidates = pipeline.sql("select count(*) from marts.rpt_revocation_candidates")[0][0]
    assert sum(pl.read_csv(f, infer_schema=False).height for f in revocation) == candidates
    assert (extracts / "crosscheck_exempt_2025.csv").exists()


def test_overall_score_separates_later_distress(pipeline):
    events = pl.read_csv(pipeline.truth / "distress_events.csv", try_parse_dates=True).rename(
        {"uscc": "firm_id"}
    )
    scores = pipeline.frame(
        "select firm_id, period_month, overall_score from scoring.firm_health_scores "
        "where overall_score is not null"
    )
    labelled = distress_labels(scores, events, 12).filter(pl.col("eligible"))
    assert labelled["distress_next"].sum() >= 20
    auc = roc_auc(labelled["distress_next"], -labelled["overall_score"])
    assert auc > 0.65


def _file_hashes(folder) -> dict[str, str]:
    import hashlib

    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_rerun_changes_nothing(pipeline):
    before = checksums(pipeline)
    agency_files = _file_hashes(pipeline.output_dir / "extracts" / "agencies")
    again = run_pipeline()
    assert again.success
    statuses = {s for (s,) in pipeline.sql("select distinct status from raw.ingest_files")}
    assert statuses == {"loaded"}
    assert checksums(pipeline) == before
    # every agency file (CSV, XLSX, Parquet, manifest) is rewritten byte for byte
    assert _file_hashes(pipeline.output_dir / "extracts" / "agencies") == agency_files


def test_a_broken_feed_fails_alone_and_keeps_the_last_good_outputs(pipeline):
    before = checksums(pipeline)
    broken = pipeline.landing / "tax" / "202610" / "declaration_202610.csv"
    broken.parent.mkdir(parents=True)
    source = pipeline.landing / "tax" / "202609" / "declaration_202609.csv"
    broken.write_bytes(source.read_bytes()[:5000])  # cut off in transfer
    try:
        result = run_pipeline()
        failed = {e.step_key for e in result.all_events if e.is_step_failure}
        assert failed == {"raw__tax_declaration"}
        message = next(e for e in result.all_events if e.is_step_failure).step_failure_data
        assert "tax/202610/declaration_202610.csv" in message.error.message
        assert "the file is cut off: line" in message.error.message
        succeeded = {e.step_key for e in result.all_events if e.is_step_success}
        assert {"raw__amr_registry", "raw__stats_industry_monthly"} <= succeeded
        assert checksums(pipeline) == before
    finally:
        broken.unlink()


def test_a_severe_quality_failure_blocks_scoring(pipeline):
    before = checksums(pipeline)
    import duckdb

    def flip_sales(where):
        with duckdb.connect(str(pipeline.db_path)) as con:
            con.execute(f"update raw.tax_declaration set sales = -sales where {where}")

    # a department sends sales with the wrong sign for every row of one file: a plausible
    # number to ingestion (sales may be negative, e.g. after returns), not to the GX suite
    target = "tax/202609/declaration_202609.csv"
    with duckdb.connect(str(pipeline.db_path)) as con:
        original = con.execute(
            "select count(*) from raw.tax_declaration where _file = ? and sales > 0", [target]
        ).fetchone()[0]
    flip_sales(f"_file = '{target}' and sales > 0")
    try:
        result = run_pipeline()
        checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
        assert checks["gx_raw_tax_declaration"].passed is False
        assert checks["gx_raw_tax_declaration"].severity.value == "ERROR"
        ran = {e.step_key for e in result.all_events if e.is_step_success}
        assert "warehouse_dbt_models" not in ran
        assert "scoring__firm_health_scores" not in ran
        assert checksums(pipeline) | {"raw.tax_declaration": None} == before | {
            "raw.tax_declaration": None
        }
    finally:
        flip_sales(f"_file = '{target}' and sales < 0")
        assert original > 0
