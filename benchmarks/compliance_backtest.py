"""Print what 多报合一 and 智联查 deliver on a built warehouse, against the simulator's truth.

    python benchmarks/compliance_backtest.py [--duckdb data/warehouse.duckdb] [--data-root data/sim]

Reads the warehouse read-only (marts.fct_annual_report_prefill, marts.fct_crosscheck_firm_years,
marts.fct_crosscheck_results, marts.rpt_revocation_candidates, marts.rpt_shell_firm_suspects,
marts.dim_firm) and the truth files the simulator keeps apart (truth/report_mismatches.csv,
truth/dormant_firms.csv, truth/shell_firms.csv). Prints:

- the average number of prefilled items and of duplicate entries removed per filed report;
- reports checked / exempt (免检) / anomalous (异常) / not checkable (无法核查);
- the anomaly list's precision and recall against the misreported items, per report (firm and
  report year) and per item;
- the revocation list's and the shell-firm list's precision and recall.

Truth items are the staging column families (total_revenue, total_tax, employees,
pension_insured, export, contributions_paid); older simulator output named them by the report's
Chinese headers, which are mapped to the same families.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import polars as pl

REPO = Path(__file__).resolve().parents[1]

# The report's Chinese header (older truth files) -> the item family the cross-check compares.
TRUTH_ITEM_FAMILIES = {
    "营业总收入(万元)": "total_revenue",
    "主营业务收入(万元)": "total_revenue",
    "纳税总额(万元)": "total_tax",
    "从业人数": "employees",
    "养老保险参保人数": "pension_insured",
    "出口额(万元)": "export",
    "本期实际缴费金额(万元)": "contributions_paid",
    "main_revenue": "total_revenue",
}


def precision_recall(
    predicted: set, actual: set
) -> tuple[int, int, int, float | None, float | None]:
    """Return (predicted, actual, hits, precision, recall); a ratio is None when undefined.

    >>> precision_recall({1, 2, 3}, {2, 3, 4, 5})
    (3, 4, 2, 0.6666666666666666, 0.5)
    """
    hits = len(predicted & actual)
    precision = hits / len(predicted) if predicted else None
    recall = hits / len(actual) if actual else None
    return len(predicted), len(actual), hits, precision, recall


def pr_line(name: str, predicted: set, actual: set) -> str:
    n_pred, n_true, hits, precision, recall = precision_recall(predicted, actual)

    def pct(x: float | None) -> str:
        return "     -" if x is None else f"{x:>6.1%}"

    return f"  {name:<44}{n_pred:>8,}{n_true:>8,}{hits:>8,}{pct(precision):>11}{pct(recall):>9}"


PR_HEADER = f"  {'':<44}{'listed':>8}{'truth':>8}{'hits':>8}{'precision':>11}{'recall':>9}"


def truth_mismatches(path: Path) -> pl.DataFrame:
    """Return firm_id, report_year, item_code of truth/report_mismatches.csv (one row per item)."""
    frame = pl.read_csv(path, schema_overrides={"uscc": pl.String})
    return (
        frame.select(
            pl.col("uscc").alias("firm_id"),
            pl.col("report_year").cast(pl.Int64),
            pl.col("item").replace(TRUTH_ITEM_FAMILIES).alias("item_code"),
        )
        .unique()
        .sort("firm_id", "report_year", "item_code")
    )


def months_before(month, n: int):
    """Return the first day of the month n months before `month` (a date on the 1st)."""
    index = month.year * 12 + month.month - 1 - n
    return month.replace(year=index // 12, month=index % 12 + 1, day=1)


def read_truth(path: Path, date_column: str) -> pl.DataFrame | None:
    if not path.exists():
        print(f"  ({path.name} not found: no back-test)")
        return None
    frame = pl.read_csv(path, schema_overrides={"uscc": pl.String}, try_parse_dates=True)
    return frame.rename({"uscc": "firm_id"}).with_columns(pl.col(date_column).cast(pl.Date))


def registered_firms(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Return the firms whose latest registry record says 存续 (still registered)."""
    query = "select firm_id from marts.dim_firm where registration_status = '存续'"
    return set(con.sql(query).pl()["firm_id"])


def prefill_section(con: duckdb.DuckDBPyConnection) -> None:
    per_year = con.sql(
        """select report_year,
                  count(*) as reports,
                  avg(items_applicable) as items,
                  avg(items_prefilled) as prefilled,
                  avg(duplicate_entries_removed) as duplicates_removed,
                  avg(entries_filed_separately) as entries_separately,
                  avg(entries_to_type) as entries_to_type,
                  avg(entries_saved) as entries_saved
           from marts.fct_annual_report_prefill group by 1 order by 1"""
    ).pl()
    total = con.execute(
        """select count(*) as reports, avg(items_prefilled) as prefilled,
                  avg(duplicate_entries_removed) as duplicates_removed,
                  avg(entries_saved) as entries_saved
           from marts.fct_annual_report_prefill"""
    ).fetchall()[0]
    print("多报合一 merged annual report, averages per filed report:")
    print(
        f"  {'year':<6}{'reports':>9}{'items':>8}{'prefilled':>11}{'dup. removed':>14}"
        f"{'separately':>12}{'to type':>9}{'saved':>8}"
    )
    for r in per_year.iter_rows(named=True):
        print(
            f"  {r['report_year']:<6}{r['reports']:>9,}{r['items']:>8.1f}{r['prefilled']:>11.1f}"
            f"{r['duplicates_removed']:>14.1f}{r['entries_separately']:>12.1f}"
            f"{r['entries_to_type']:>9.1f}{r['entries_saved']:>8.1f}"
        )
    if total[0]:
        print(
            f"  all {total[0]:,} reports: {total[1]:.1f} items prefilled per firm, "
            f"{total[2]:.1f} duplicate entries removed, {total[3]:.1f} entries saved "
            "(reference system: 62 duplicate items removed per firm)"
        )
    by_department = con.sql(
        """select prefill_department_zh, item_name_zh, count(*) as reports
           from marts.fct_annual_report_items where is_prefilled
           group by 1, 2 order by 1, 3 desc"""
    ).pl()
    if by_department.height:
        reports = max(total[0], 1)
        print("  share of reports with the item prefilled, by department:")
        for dept, rows in by_department.group_by("prefill_department_zh", maintain_order=True):
            items = "、".join(
                f"{r['item_name_zh']} {r['reports'] / reports:.0%}"
                for r in rows.iter_rows(named=True)
            )
            print(f"    {dept[0]}: {items}")


def crosscheck_section(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    outcomes = con.sql(
        """select report_year,
                  count(*) as reports,
                  count(*) filter (where check_outcome <> 'not_checkable') as checked,
                  count(*) filter (where check_outcome = 'exempt') as exempt,
                  count(*) filter (where check_outcome = 'anomalous') as anomalous,
                  count(*) filter (where check_outcome = 'not_checkable') as not_checkable
           from marts.fct_crosscheck_firm_years
           group by rollup (report_year) order by 1 nulls last"""
    ).pl()
    print("\n智联查 cross-check of filed reports (firm and report year)")
    print("  exempt 免检, anomalous 异常, not checkable 无法核查:")
    print(
        f"  {'year':<6}{'reports':>9}{'checked':>9}{'exempt':>14}{'anomalous':>15}"
        f"{'not checkable':>15}"
    )
    for r in outcomes.iter_rows(named=True):
        year = "all" if r["report_year"] is None else str(r["report_year"])
        share = r["exempt"] / r["checked"] if r["checked"] else 0.0
        print(
            f"  {year:<6}{r['reports']:>9,}{r['checked']:>9,}{r['exempt']:>9,} {share:>4.0%}"
            f"{r['anomalous']:>10,} {1 - share if r['checked'] else 0:>4.0%}"
            f"{r['not_checkable']:>15,}"
        )
    checks = con.sql(
        """select check_code, severity,
                  count(*) filter (
                      where check_status in ('consistent', 'inconsistent')) as compared,
                  count(*) filter (where check_status = 'inconsistent') as inconsistent,
                  count(*) filter (where check_status = 'not_checked') as not_checked
           from marts.fct_crosscheck_results group by 1, 2 order by 1"""
    ).pl()
    print(f"  {'check':<32}{'severity':>9}{'compared':>10}{'inconsistent':>14}{'not checked':>13}")
    for r in checks.iter_rows(named=True):
        print(
            f"  {r['check_code']:<32}{r['severity']:>9}{r['compared']:>10,}"
            f"{r['inconsistent']:>14,}{r['not_checked']:>13,}"
        )

    path = truth_dir / "report_mismatches.csv"
    if not path.exists():
        print(f"  ({path.name} not found: no back-test)")
        return
    truth = truth_mismatches(path)
    reports = con.sql(
        "select firm_id, report_year, check_outcome from marts.fct_crosscheck_firm_years"
    ).pl()
    results = con.sql(
        """select firm_id, report_year, item_code, check_status
           from marts.fct_crosscheck_results"""
    ).pl()
    filed = set(reports.select("firm_id", "report_year").iter_rows())
    truth_reports = {r for r in truth.select("firm_id", "report_year").iter_rows() if r in filed}
    flagged_reports = set(
        reports.filter(pl.col("check_outcome") == "anomalous")
        .select("firm_id", "report_year")
        .iter_rows()
    )
    checkable_reports = set(
        reports.filter(pl.col("check_outcome") != "not_checkable")
        .select("firm_id", "report_year")
        .iter_rows()
    )
    flagged_items = set(
        results.filter(pl.col("check_status") == "inconsistent")
        .select("firm_id", "report_year", "item_code")
        .iter_rows()
    )
    compared_items = set(
        results.filter(pl.col("check_status").is_in(["consistent", "inconsistent"]))
        .select("firm_id", "report_year", "item_code")
        .iter_rows()
    )
    truth_items = {r for r in truth.iter_rows() if r[:2] in filed}
    exempt_reports = checkable_reports - flagged_reports
    print(f"\n  anomaly list vs truth/report_mismatches.csv ({len(truth_reports):,} misreported")
    print("  reports among the filed ones):")
    print(PR_HEADER)
    print(pr_line("reports (firm and year), all filed", flagged_reports, truth_reports))
    print(pr_line("reports, checkable only", flagged_reports, truth_reports & checkable_reports))
    print(
        pr_line("firms (any year)", {r[0] for r in flagged_reports}, {r[0] for r in truth_reports})
    )
    print(pr_line("items (firm, year, item)", flagged_items, truth_items))
    print(pr_line("items, compared only", flagged_items, truth_items & compared_items))
    missed_exempt = len(exempt_reports & truth_reports)
    print(
        f"  misreported reports wrongly exempted: {missed_exempt:,} "
        f"of {len(exempt_reports):,} exempt "
        f"({missed_exempt / max(len(exempt_reports), 1):.1%})"
    )


def revocation_section(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    listed = con.sql("select firm_id, as_of_month from marts.rpt_revocation_candidates").pl()
    print("\n吊销候选 revocation list")
    print("  (no report for the last 2 due years, no tax declaration in 24 months)")
    truth = read_truth(truth_dir / "dormant_firms.csv", "dormant_from")
    latest_tax = "select max(period_month) from staging.stg_tax__declarations"
    as_of = (
        listed["as_of_month"].max() if listed.height else con.execute(latest_tax).fetchall()[0][0]
    )
    print(f"  as of {as_of}: {listed.height:,} firms listed")
    if truth is None or as_of is None:
        return
    registered = registered_firms(con)
    cutoff = months_before(as_of, 23)
    long_dormant = set(truth.filter(pl.col("dormant_from") <= cutoff)["firm_id"]) & registered
    any_dormant = set(truth["firm_id"])
    predicted = set(listed["firm_id"])
    print(PR_HEADER)
    print(pr_line(f"dormant since {cutoff} or earlier, 存续", predicted, long_dormant))
    print(pr_line("any dormant firm (precision view)", predicted, any_dormant))


def shell_section(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    listed = con.sql(
        "select firm_id, as_of_month, window_start, is_never_active "
        "from marts.rpt_shell_firm_suspects"
    ).pl()
    print("\n空壳企业 shell-firm suspects")
    print("  (no sales, insured staff, power or trade over the window)")
    truth = read_truth(truth_dir / "shell_firms.csv", "shell_from")
    if listed.height:
        print(
            f"  as of {listed['as_of_month'].max()} (window from {listed['window_start'].min()}): "
            f"{listed.height:,} firms listed, "
            f"{int(listed['is_never_active'].sum()):,} never active in the data"
        )
    else:
        print("  no firm listed")
    if truth is None:
        return
    registered = registered_firms(con)
    window_start = listed["window_start"].min() if listed.height else None
    shells = truth if window_start is None else truth.filter(pl.col("shell_from") <= window_start)
    actual = set(shells["firm_id"]) & registered
    predicted = set(listed["firm_id"])
    print(PR_HEADER)
    print(pr_line("shell for the whole window, 存续", predicted, actual))
    print(pr_line("any shell firm (precision view)", predicted, set(truth["firm_id"])))
    never = set(listed.filter(pl.col("is_never_active"))["firm_id"])
    print(pr_line("never-active suspects only", never, actual))
    dormant_path = truth_dir / "dormant_firms.csv"
    if dormant_path.exists():
        dormant = set(read_truth(dormant_path, "dormant_from")["firm_id"])
        overlap = len(predicted & dormant)
        print(f"  suspects that are dormant firms (truth/dormant_firms.csv): {overlap:,}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duckdb", default=str(REPO / "data" / "warehouse.duckdb"))
    parser.add_argument("--data-root", default=str(REPO / "data" / "sim"))
    args = parser.parse_args()
    truth_dir = Path(args.data_root) / "truth"
    with duckdb.connect(args.duckdb, read_only=True) as con:
        prefill_section(con)
        crosscheck_section(con, truth_dir)
        revocation_section(con, truth_dir)
        shell_section(con, truth_dir)


if __name__ == "__main__":
    main()
