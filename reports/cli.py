"""python -m reports: firm reports (HTML + PDF), in bulk, the regional overview, screenshots.

python -m reports firm 91330102690025255G [--month 2026-09] [--no-pdf]
python -m reports bulk --file firms.csv [--month 2026-09] [--no-pdf]
python -m reports overview [--month 2026-09] [--pdf]
python -m reports demo [--n 10]                 the overview + the n firms that fell most
python -m reports screenshots [--dir docs/img]  PNGs of a firm report and the overview

Reads the published snapshot (EH_PUBLISHED_PATH), never the live warehouse; writes under
$EH_OUTPUT_DIR/reports/ (or --out): overview_<YYYYMM>.html, firms/<YYYYMM>/<USCC>.html and .pdf.
PDFs need Chromium (apt-get install -y chromium fonts-noto-cjk); without it the HTML is still
written and the command says so.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from pipelines.settings import REPO_ROOT, output_dir, published_path

ID_COLUMNS = ("firm_id", "uscc", "统一社会信用代码")


def read_firm_list(path: Path) -> list[str]:
    """Return the codes of a list file: a CSV with a firm_id / uscc / 统一社会信用代码 column,
    or one code per line (blank lines and lines starting with # are skipped)."""
    text = path.read_text(encoding="utf-8-sig")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines:
        return []
    header = [h.strip() for h in next(csv.reader([lines[0]]))]
    column = next((h for h in header if h.lower() in ID_COLUMNS), None)
    if column is None:
        return [ln.split(",")[0].strip() for ln in lines]
    return [row[column].strip() for row in csv.DictReader(lines) if row.get(column)]


def _report(written, started: float) -> int:
    seconds = time.perf_counter() - started
    n = len(written.html)
    print(f"wrote {n} HTML report(s) and {len(written.pdf)} PDF(s) in {seconds:.1f} s")
    for path in written.html[:3]:
        print(f"  {path}")
    if n > 3:
        print(f"  ... ({n - 3} more in {written.html[0].parent})")
    if written.missing:
        print(
            f"no score for the month, skipped: {', '.join(written.missing[:10])}", file=sys.stderr
        )
    if written.pdf_note:
        print(f"PDF not written: {written.pdf_note}", file=sys.stderr)
    return 0 if n else 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--published", type=Path, help="snapshot (default EH_PUBLISHED_PATH)")
    parser.add_argument("--out", type=Path, help="output folder (default $EH_OUTPUT_DIR/reports)")
    parser.add_argument("--bank-db", help="bank service store URL (default EH_BANK_DB_URL)")
    sub = parser.add_subparsers(dest="command", required=True)
    firm = sub.add_parser("firm", help="one or more firms' reports")
    firm.add_argument("firm_ids", nargs="+", metavar="USCC")
    bulk = sub.add_parser("bulk", help="the reports of a list of firms")
    bulk.add_argument("--file", type=Path, required=True)
    overview = sub.add_parser("overview", help="the regional overview (and the firms it links)")
    demo = sub.add_parser("demo", help="the overview and the reports of the firms that fell most")
    demo.add_argument("--n", type=int, default=10)
    shots = sub.add_parser("screenshots", help="PNGs of a firm report and the overview")
    shots.add_argument("--dir", type=Path, default=REPO_ROOT / "docs" / "img")
    for p in (firm, bulk, overview, demo, shots):
        p.add_argument("--month", help="YYYY-MM (default: the latest scored month)")
    for p in (firm, bulk, demo):
        p.add_argument("--no-pdf", action="store_true", help="HTML only")
    overview.add_argument("--pdf", action="store_true", help="PDFs of the linked firm reports")
    args = parser.parse_args(argv)

    from reports.render import write_firm_reports, write_overview

    published = args.published or published_path()
    if not published.exists():
        print(f"no published snapshot at {published}: run the pipeline first (make demo)")
        return 2
    out = args.out or output_dir() / "reports"
    started = time.perf_counter()
    if args.command in ("firm", "bulk"):
        ids = args.firm_ids if args.command == "firm" else read_firm_list(args.file)
        written = write_firm_reports(
            published, out, ids, args.month, pdf=not args.no_pdf, bank_db_url=args.bank_db
        )
        return _report(written, started)
    if args.command == "overview":
        path, written = write_overview(
            published, out, args.month, pdf=args.pdf, bank_db_url=args.bank_db
        )
        print(f"wrote the overview {path} (linking {len(written.html)} firm reports)")
        return 0
    if args.command == "demo":
        return demo_reports(published, out, args.month, args.n, not args.no_pdf, args.bank_db)
    return screenshots(published, args.dir, args.month, args.bank_db)


def demo_reports(published, out, month, n: int, pdf: bool, bank_db: str | None) -> int:
    """Write the overview and the reports (HTML, PDF) of the ``n`` firms that fell most."""
    import duckdb

    from reports.data import latest_month, month_start
    from reports.overview import top_fallers
    from reports.render import write_firm_reports, write_overview

    started = time.perf_counter()
    with duckdb.connect(str(published), read_only=True) as con:
        m = month_start(month) if month else latest_month(con)
        ids = top_fallers(con, m, n)
    path, linked = write_overview(published, out, m, bank_db_url=bank_db)
    print(f"overview            : {path} ({len(linked.html)} linked firm reports)")
    written = write_firm_reports(published, out, ids, m, pdf=pdf, bank_db_url=bank_db)
    print(
        f"firms that fell most: {len(written.html)} reports, {len(written.pdf)} PDFs in "
        f"{out / 'firms' / f'{m:%Y%m}'} ({time.perf_counter() - started:.1f} s)"
    )
    if written.pdf_note:
        print(f"PDF not written     : {written.pdf_note}")
    return 0 if written.html else 2


def screenshots(published, target: Path, month, bank_db: str | None) -> int:
    """Save docs/img/firm_report.png (the firm that fell most) and regional_overview.png."""
    import tempfile

    import duckdb

    from reports.data import latest_month, month_start
    from reports.overview import top_fallers
    from reports.pdf import browser, screenshot
    from reports.render import write_firm_reports, write_overview

    with duckdb.connect(str(published), read_only=True) as con:
        m = month_start(month) if month else latest_month(con)
        ids = top_fallers(con, m, 1)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        overview, _ = write_overview(published, Path(tmp), m, bank_db_url=bank_db)
        firm = write_firm_reports(published, Path(tmp), ids, m, pdf=False, bank_db_url=bank_db)
        with browser() as b:
            page = b.new_page()
            screenshot(page, firm.html[0], target / "firm_report.png")
            screenshot(page, overview, target / "regional_overview.png", height=1500)
    print(f"wrote {target / 'firm_report.png'} and {target / 'regional_overview.png'}")
    return 0
