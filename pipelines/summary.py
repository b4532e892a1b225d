"""What a run produced, in the words a data team reads: grades, alerts, quarantine, paths."""

from __future__ import annotations

from pathlib import Path

import duckdb


def run_summary(db_path: Path) -> dict:
    """Return counts from the warehouse: grades and alerts of the latest month, rows received,
    accepted and quarantined per feed."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        # rows in effect come from the file versions loaded; problems from each file's latest
        # decision (a file rejected once and fixed since is no longer a problem)
        feeds = (
            con.execute(
                """with latest as (
                       select feed_id, file, status from raw.ingest_log
                       qualify row_number() over (partition by feed_id, file
                                                  order by log_id desc) = 1)
                   select f.feed_id,
                          count(*) filter (where f.status = 'loaded') as files_loaded,
                          (select count(*) from latest l
                           where l.feed_id = f.feed_id and l.status = 'rejected'),
                          (select count(*) from latest l
                           where l.feed_id = f.feed_id and l.status = 'held'),
                          coalesce(sum(received) filter (where f.status = 'loaded'), 0),
                          coalesce(sum(accepted) filter (where f.status = 'loaded'), 0),
                          coalesce(sum(quarantined) filter (where f.status = 'loaded'), 0)
                   from raw.ingest_files f where f.feed_id <> '' group by 1 order by 1"""
            ).fetchall()
            if "raw.ingest_log" in tables
            else []
        )
        unrecognised = (
            con.execute(
                "select count(distinct file) from raw.ingest_files where status = 'unrecognised'"
            ).fetchone()[0]
            if "raw.ingest_log" in tables
            else 0
        )
        reasons = (
            con.execute(
                "select feed_id, reason_code, count(*) from raw.quarantine "
                "group by 1, 2 order by 1, 2"
            ).fetchall()
            if "raw.quarantine" in tables
            else []
        )
        latest, grades, alerts, firm_months = None, [], 0, 0
        if "scoring.firm_health_scores" in tables:
            latest = con.execute(
                "select max(period_month) from scoring.firm_health_scores"
            ).fetchone()[0]
            firm_months = con.execute("select count(*) from scoring.firm_health_scores").fetchone()[
                0
            ]
            grades = con.execute(
                """select grade, count(*) from scoring.firm_health_scores
                   where period_month = ? group by 1 order by 1""",
                [latest],
            ).fetchall()
        if "delivery.rpt_monthly_alert_list" in tables and latest is not None:
            alerts = con.execute(
                "select count(*) from delivery.rpt_monthly_alert_list where period_month = ?",
                [latest],
            ).fetchone()[0]
        agencies = _agencies(con, tables, latest)
        compliance = _compliance(con, tables)
    return {
        "compliance": compliance,
        "latest_month": latest,
        "firm_months_scored": firm_months,
        "grades": dict(grades),
        "alerts": alerts,
        "agencies": agencies,
        "feeds": [
            dict(
                zip(
                    (
                        "feed",
                        "files_loaded",
                        "files_rejected",
                        "files_held",
                        "received",
                        "accepted",
                        "quarantined",
                    ),
                    row,
                    strict=True,
                )
            )
            for row in feeds
        ],
        "quarantine_reasons": reasons,
        "unrecognised_files": unrecognised,
    }


def _agencies(con: duckdb.DuckDBPyConnection, tables: set[str], latest) -> dict:
    """Per agency, the latest month's rows sent by state, and the feedback summary."""
    out: dict = {"sent": [], "feedback": []}
    if "delivery.rpt_agency_alert_rows" in tables and latest is not None:
        out["sent"] = con.execute(
            """select agency_name_zh,
                      count(*) filter (where state = 'new'),
                      count(*) filter (where state = 'escalated'),
                      count(*) filter (where state = 'resolved')
               from delivery.rpt_agency_alert_rows where period_month = ?
               group by 1 order by 1""",
            [latest],
        ).fetchall()
    if "delivery.rpt_alert_feedback_summary" in tables:
        out["feedback"] = con.execute(
            """select dimension_name_zh, alerts_sent, feedback_received, precision,
                      help_conversion
               from delivery.rpt_alert_feedback_summary
               where dimension in ('agency', 'overall') and period_month is null
               order by dimension desc, 1"""
        ).fetchall()
    return out


def _compliance(con: duckdb.DuckDBPyConnection, tables: set[str]) -> dict:
    """多报合一 prefill, 智联查 split and the two registry lists, for the latest report year."""
    out: dict = {}
    if "marts.fct_annual_report_prefill" in tables:
        row = con.execute(
            """select report_year, count(*), avg(items_prefilled), avg(duplicate_entries_removed)
               from marts.fct_annual_report_prefill
               where report_year = (select max(report_year) from marts.fct_annual_report_prefill)
               group by 1"""
        ).fetchone()
        if row:
            out["prefill"] = dict(
                zip(("year", "reports", "avg_prefilled", "avg_removed"), row, strict=True)
            )
    if "marts.fct_crosscheck_firm_years" in tables:
        out["crosscheck"] = con.execute(
            """select report_year, check_outcome_zh, count(*) from marts.fct_crosscheck_firm_years
               where report_year = (select max(report_year) from marts.fct_crosscheck_firm_years)
               group by 1, 2 order by 1, 2"""
        ).fetchall()
    for key, table in (
        ("revocation", "marts.rpt_revocation_candidates"),
        ("shell", "marts.rpt_shell_firm_suspects"),
    ):
        if table in tables:
            out[key] = con.execute(f"select count(*) from {table}").fetchone()[0]
    return out


def format_summary(
    summary: dict,
    *,
    wall_seconds: float,
    db_path: Path,
    extract: Path | None,
    failed_steps: list[str],
    published: Path | None = None,
) -> str:
    """Return the summary as the text the demo prints."""
    lines = ["", "=" * 72, "企业健康诊断 · run summary", "=" * 72]
    month = summary["latest_month"]
    lines.append(f"latest month scored : {month:%Y-%m}" if month else "latest month scored : none")
    lines.append(f"firm-months scored  : {summary['firm_months_scored']:,}")
    order = ["健康", "亚健康", "不健康", "数据不足"]
    grades = dict(summary["grades"])
    exited = grades.pop("已退出", 0)
    total = sum(grades.values()) or 1
    lines.append(f"live firms per grade (latest month, {sum(grades.values()):,} live firms):")
    for g in order + sorted(set(grades) - set(order)):
        if g in grades:
            lines.append(f"  {g:<6} {grades[g]:>9,}  ({grades[g] / total:6.1%})")
    lines.append(f"  已退出 {exited:>9,}  (revoked or silent 12+ months: exit track, not graded)")
    lines.append(
        f"alert list (latest month): {summary['alerts']:,} firms "
        "(riskiest 5% of live firms per county + new severe red flags)"
    )
    agencies = summary.get("agencies") or {}
    if agencies.get("sent"):
        lines.append("  sent to agencies this month (new / escalated / resolved):")
        for name, new, up, gone in agencies["sent"]:
            lines.append(f"    {name:<20}{new:>6,}{up:>6,}{gone:>6,}")
    if agencies.get("feedback"):
        lines.append("  feedback so far (alerts sent, answered, precision, alert -> help):")
        for name, sent, answered, precision, helped in agencies["feedback"]:
            p = f"{precision:.1%}" if precision is not None else "—"
            h = f"{helped:.1%}" if helped is not None else "—"
            lines.append(f"    {name:<20}{sent:>8,}{answered:>8,}{p:>8}{h:>8}")
    lines.extend(_format_compliance(summary.get("compliance", {})))
    lines.append("ingestion per feed (received = accepted + quarantined):")
    lines.append(f"  {'feed':<24}{'files':>6}{'received':>12}{'accepted':>12}{'quarantined':>13}")
    for f in summary["feeds"]:
        flag = f"  !! {f['files_rejected']} file(s) rejected" if f["files_rejected"] else ""
        if f["files_held"]:
            flag += f"  !! {f['files_held']} held for review (python -m ingest held)"
        lines.append(
            f"  {f['feed']:<24}{f['files_loaded']:>6}{f['received']:>12,}{f['accepted']:>12,}"
            f"{f['quarantined']:>13,}{flag}"
        )
    if summary.get("unrecognised_files"):
        lines.append(
            f"  !! {summary['unrecognised_files']} landing file(s) no feed reads "
            "(python -m ingest unrecognised)"
        )
    if summary["quarantine_reasons"]:
        lines.append("quarantine reasons:")
        for feed, code, n in summary["quarantine_reasons"]:
            lines.append(f"  {feed:<24}{code:<22}{n:>8,}")
    if failed_steps:
        lines.append("FAILED steps (the last good outputs of their downstream assets are kept):")
        lines += [f"  - {s}" for s in failed_steps]
    lines.append(f"wall time           : {wall_seconds:,.1f} s")
    lines.append(f"warehouse (DuckDB)  : {db_path}")
    shown = published if published and published.exists() else "not published"
    lines.append(f"published snapshot  : {shown}")
    lines.append(f"alert list extract  : {extract if extract else 'not written'}")
    if extract:
        lines.append(f"agency extracts     : {extract.parent / 'agencies'}/<agency>/<YYYYMM>/")
    lines.append("browse the assets   : make dev   (Dagster UI at http://127.0.0.1:3000)")
    lines.append("=" * 72)
    return "\n".join(lines)


def _format_compliance(c: dict) -> list[str]:
    lines = []
    if "prefill" in c:
        p = c["prefill"]
        lines.append(
            f"多报合一 (report year {p['year']}): {p['reports']:,} merged reports, "
            f"{p['avg_prefilled']:.1f} items prefilled per firm from department data, "
            f"{p['avg_removed']:.1f} duplicate entries removed per firm"
        )
    if c.get("crosscheck"):
        year = c["crosscheck"][0][0]
        split = ", ".join(f"{label} {n:,}" for _, label, n in c["crosscheck"])
        lines.append(f"智联查 (report year {year}): {split}")
    if "revocation" in c:
        lines.append(f"吊销候选 (no report and no tax filing for two years): {c['revocation']:,}")
    if "shell" in c:
        lines.append(f"空壳企业嫌疑 (no activity in any department): {c['shell']:,}")
    return lines
