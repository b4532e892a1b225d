"""Print how long firm reports take: one on demand, 1,000 in bulk, and PDFs.

    python benchmarks/report_render.py [--published data/published/warehouse.duckdb]
                                       [--reports 1000] [--pdfs 20] [--month 2026-09]

Reads the published snapshot (read-only) and writes into a temporary folder:

1. one report on demand, as ``python -m reports firm USCC --no-pdf`` does it (open the
   snapshot, read that firm's data, render, write the HTML), timed three times;
2. ``--reports`` firms of the month in one batch, as ``python -m reports bulk --no-pdf``
   (one read for the whole list, then one render and write per firm);
3. ``--pdfs`` of those HTML files printed by one Chromium (skipped, and said so, without one).

A benchmark prints figures; no test asserts on them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    from pipelines.settings import published_path
    from reports.data import latest_month, month_start
    from reports.render import print_pdfs, write_firm_reports

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--published", type=Path, default=None)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--pdfs", type=int, default=20)
    parser.add_argument("--month")
    args = parser.parse_args()
    published = args.published or published_path()
    # no bank store: the audit read is a no-op here, it is not what is measured
    os.environ.setdefault("EH_BANK_DB_URL", "sqlite:////nonexistent/bank.sqlite")

    with duckdb.connect(str(published), read_only=True) as con:
        month = month_start(args.month) if args.month else latest_month(con)
        ids = [
            r[0]
            for r in con.execute(
                """select firm_id from scoring.firm_health_scores where period_month = ?
                   order by hash(firm_id) limit ?""",
                [month, args.reports],
            ).fetchall()
        ]
        n_firms = con.execute(
            "select count(*) from scoring.firm_health_scores where period_month = ?", [month]
        ).fetchall()[0][0]
    print(f"snapshot {published} ({published.stat().st_size / 1e6:.0f} MB), month {month:%Y-%m}")
    print(f"  {n_firms:,} firms scored that month; {len(ids):,} reports to render")

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        singles = []
        for fid in ids[:3]:
            t = time.perf_counter()
            write_firm_reports(published, out, [fid], month, pdf=False)
            singles.append(time.perf_counter() - t)
        print(
            f"one report on demand (HTML): {statistics.median(singles) * 1000:.0f} ms median "
            f"of {len(singles)} ({', '.join(f'{s * 1000:.0f}' for s in singles)} ms)"
        )

        t = time.perf_counter()
        written = write_firm_reports(published, out, ids, month, pdf=False)
        seconds = time.perf_counter() - t
        size = sum(p.stat().st_size for p in written.html) / len(written.html)
        print(
            f"{len(written.html):,} reports in bulk (HTML): {seconds:.2f} s, "
            f"{seconds / len(written.html) * 1000:.1f} ms a report, {size / 1024:.0f} KB each"
        )

        sample = written.html[: args.pdfs]
        t = time.perf_counter()
        pdfs, note = print_pdfs(sample)
        seconds = time.perf_counter() - t
        if pdfs:
            print(
                f"{len(pdfs)} PDFs (one Chromium, started once): {seconds:.2f} s, "
                f"{seconds / len(pdfs) * 1000:.0f} ms a PDF incl. start-up; "
                f"1,000 PDFs at this rate: ~{seconds / len(pdfs) * 1000:.0f} s"
            )
        else:
            print(f"PDFs: not measured ({note})")


if __name__ == "__main__":
    main()
