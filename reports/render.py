"""Render reports to files: HTML from the templates, PDF through Chromium (reports/pdf.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import jinja2

from reports.data import Catalog, load_month, month_start, snapshot_info
from reports.firm import firm_context
from reports.queries import firm_queries

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def css() -> str:
    return (TEMPLATES / "base.css").read_text(encoding="utf-8")


def firm_html(context: dict, published_at: str = "") -> str:
    """Return the report page of one firm (one self-contained HTML file, no external links)."""
    return (
        environment()
        .get_template("firm.html.j2")
        .render(**context, css=css(), published_at=published_at or "—")
    )


def firm_report_path(out_dir: Path, month: dt.date, firm_id: str, suffix: str = ".html") -> Path:
    """Return where a firm's report goes: <out>/firms/<YYYYMM>/<USCC>.html (and .pdf)."""
    return out_dir / "firms" / f"{month:%Y%m}" / f"{firm_id}{suffix}"


@dataclass
class Written:
    """What a batch wrote: the HTML and PDF paths, firms without a score, and why no PDF."""

    html: list[Path] = field(default_factory=list)
    pdf: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    pdf_note: str = ""


def firm_pages(
    published: Path,
    firm_ids: list[str],
    month: str | dt.date | None = None,
    *,
    bank_db_url: str | None = None,
) -> tuple[dt.date, dict[str, str | None]]:
    """Return (the month, {firm: its report page, or None without a score that month}).

    The data is read once for the whole list from the published snapshot (default month: the
    latest it holds); who queried each firm comes from the bank service's audit log.
    """
    from reports.data import latest_month

    with duckdb.connect(str(published), read_only=True) as con:
        m = month_start(month) if month else latest_month(con)
        data = load_month(con, m, firm_ids)
    queries, note = firm_queries(firm_ids, bank_db_url)
    published_at = snapshot_info(published).get("published_at", "")
    catalog = Catalog.load()
    pages: dict[str, str | None] = {}
    for fid in dict.fromkeys(firm_ids):
        if fid not in data.scores:
            pages[fid] = None
            continue
        pages[fid] = firm_html(firm_context(data, fid, catalog, queries, note), published_at)
    return m, pages


def write_firm_reports(
    published: Path,
    out_dir: Path,
    firm_ids: list[str],
    month: str | dt.date | None = None,
    *,
    pdf: bool = True,
    bank_db_url: str | None = None,
) -> Written:
    """Write the HTML (and PDF) reports of ``firm_ids`` for ``month`` (default: the latest).

    Data is read once for the whole list from the published snapshot; the PDFs are printed by
    one Chromium. Without Chromium the HTML is still written and ``pdf_note`` says why no PDF.
    """
    written = Written()
    m, pages = firm_pages(published, firm_ids, month, bank_db_url=bank_db_url)
    for fid, page in pages.items():
        if page is None:
            written.missing.append(fid)
            continue
        path = firm_report_path(out_dir, m, fid)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        written.html.append(path)
    if pdf and written.html:
        written.pdf, written.pdf_note = print_pdfs(written.html)
    return written


def print_pdfs(html_paths: list[Path]) -> tuple[list[Path], str]:
    """Print each HTML file to a PDF beside it; return (the PDFs, a note when none could be)."""
    from playwright.sync_api import Error as PlaywrightError

    from reports.pdf import ChromiumMissing, browser, html_to_pdf

    out = []
    try:
        with browser() as b:
            page = b.new_page()
            for path in html_paths:
                target = path.with_suffix(".pdf")
                html_to_pdf(page, path, target)
                out.append(target)
    except ChromiumMissing as e:
        return out, str(e)
    except PlaywrightError as e:  # a Chromium that cannot start here (no sandbox, no display)
        return out, f"Chromium failed: {str(e).splitlines()[0]}"
    return out, ""


def overview_html(context: dict, published_at: str = "") -> str:
    """Return the regional overview page (one self-contained HTML file)."""
    return (
        environment()
        .get_template("overview.html.j2")
        .render(**context, css=css(), published_at=published_at or "—")
    )


def write_overview(
    published: Path,
    out_dir: Path,
    month: str | dt.date | None = None,
    *,
    pdf: bool = False,
    bank_db_url: str | None = None,
) -> tuple[Path, Written]:
    """Write the overview (<out>/overview_<YYYYMM>.html) and the reports of the firms it links
    to, so every drill-down link opens; return (the overview's path, the firm reports)."""
    from reports.data import latest_month
    from reports.overview import OverviewConfig, overview_context

    config = OverviewConfig.load()
    with duckdb.connect(str(published), read_only=True) as con:
        m = month_start(month) if month else latest_month(con)
        ctx, linked = overview_context(con, m, config)
    published_at = snapshot_info(published).get("published_at", "")
    path = out_dir / f"overview_{m:%Y%m}.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(overview_html(ctx, published_at), encoding="utf-8")
    written = write_firm_reports(published, out_dir, linked, m, pdf=pdf, bank_db_url=bank_db_url)
    return path, written
