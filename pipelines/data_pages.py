"""The data team's pages: dbt docs (lineage, column descriptions) beside the Great Expectations
Data Docs, linked from one small index page. All static files, opened offline.

python -m pipelines.data_pages     -> $EH_OUTPUT_DIR/data_pages/index.html

dbt's catalog needs a DuckDB to read column types from, and dbt-duckdb opens its file for
writing: it gets a temporary copy of the published snapshot, never the live warehouse (one
writer) nor the snapshot readers use. The Data Docs are the ones the quality checks keep
($EH_OUTPUT_DIR/quality/data_docs/, rebuilt here from the kept results when missing).
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR, output_dir, published_path, quality_dir


def dbt_docs_args(target_path: Path) -> list[str]:
    """Return the dbt command line that writes the one-file docs site into ``target_path``.

    >>> dbt_docs_args(Path("/t"))[:4]
    ['docs', 'generate', '--static', '--project-dir']
    """
    return [
        "docs",
        "generate",
        "--static",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]


def build_dbt_docs(published: Path, site: Path) -> Path:
    """Write dbt's static docs (static_index.html, everything inline) to ``site``/index.html."""
    dbt = shutil.which("dbt") or str(Path(sys.executable).with_name("dbt"))
    with tempfile.TemporaryDirectory(prefix="eh-dbt-docs-") as tmp:
        copy = Path(tmp) / "warehouse.duckdb"
        shutil.copyfile(published, copy)
        env = {**os.environ, "EH_DUCKDB_PATH": str(copy)}
        target = Path(tmp) / "target"
        subprocess.run(
            [dbt, *dbt_docs_args(target)], env=env, check=True, stdout=subprocess.DEVNULL
        )
        site.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target / "static_index.html", site / "index.html")
    return site / "index.html"


def gx_data_docs() -> tuple[Path | None, str]:
    """Return (the Data Docs index, a note): the kept site, else rebuilt from kept results."""
    index = quality_dir() / "data_docs" / "index.html"
    if index.exists():
        return index, "数据质量检查结果（Great Expectations Data Docs）"
    if (quality_dir() / "gx").exists():
        from expectations.runner import build_data_docs

        return build_data_docs(quality_dir() / "gx", quality_dir() / "data_docs"), "重新生成"
    return None, "尚无数据质量检查结果：运行 make demo 或 make quality"


def index_page(links: list[tuple[str, str | None, str]]) -> str:
    """Return the index page: one line per (title, relative link or None, note)."""
    rows = "".join(
        f"<li><a href='{html.escape(href)}'>{html.escape(title)}</a> — {html.escape(note)}</li>"
        if href
        else f"<li>{html.escape(title)} — {html.escape(note)}</li>"
        for title, href, note in links
    )
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>数据团队页面</title>"
        "<style>body{font-family:'Noto Sans CJK SC',sans-serif;max-width:760px;margin:40px auto;"
        "line-height:1.8}</style></head><body><h1>数据团队页面（Data team pages）</h1>"
        f"<ul>{rows}</ul></body></html>"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, help="default $EH_OUTPUT_DIR/data_pages")
    args = parser.parse_args(argv)
    out = (args.out or output_dir() / "data_pages").resolve()
    published = published_path()
    if not published.exists():
        print(f"no published snapshot at {published}: run the pipeline first (make demo)")
        return 2
    dbt_index = build_dbt_docs(published, out / "dbt")
    gx_index, gx_note = gx_data_docs()
    overview = sorted((output_dir() / "reports").glob("overview_*.html"))
    links = [
        ("dbt 文档（模型血缘与字段说明）", os.path.relpath(dbt_index, out), "dbt docs, offline"),
        (
            "数据质量（Great Expectations Data Docs）",
            os.path.relpath(gx_index, out) if gx_index else None,
            gx_note,
        ),
    ]
    if overview:
        links.append(("区域企业健康总览", os.path.relpath(overview[-1], out), overview[-1].stem))
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html").write_text(index_page(links), encoding="utf-8")
    print(f"wrote {out / 'index.html'} (dbt docs: {dbt_index}; Data Docs: {gx_index or gx_note})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
