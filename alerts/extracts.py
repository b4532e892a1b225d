"""Per-agency extract files of one month: CSV (UTF-8 with BOM, Chinese headers, opens in Excel),
formatted XLSX (frozen header, column widths, Chinese sheet name), Parquet, and a manifest with
row counts, sha256 of every file, the data period, the rules and the model version.

An agency's files hold only the identity fields and the fields it is entitled to
(agencies.yaml ``fields``). Writing the same rows again gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import polars as pl
import xlsxwriter

# Always present: which alert, which firm, what state, which rules.
IDENTITY = {
    "alert_id": "预警编号",
    "period_month": "所属月份",
    "firm_id": "统一社会信用代码",
    "firm_name": "企业名称",
    "city_name": "所在地市",
    "county_name": "所在区县",
    "industry_division_name": "所属行业",
    "state_zh": "预警状态",
    "severity_zh": "严重程度",
    "rules_zh": "预警规则",
}
# Entitled fields: field code -> {column: Chinese header}.
FIELDS: dict[str, dict[str, str]] = {
    "rank": {"rank": "风险排名"},
    "grade": {"grade": "健康等级"},
    "overall_score": {"overall_score": "综合得分"},
    "dimension_scores": {
        "score_operations": "经营得分",
        "score_innovation": "创新得分",
        "score_structure": "结构得分",
        "score_efficiency": "质效得分",
        "score_risk": "风险得分",
    },
    "pd": {"pd": "12个月违约概率"},
    "bank_points": {"bank_points": "信贷积分"},
    "evidence": {"evidence_zh": "预警依据"},
    "reasons": {"reasons_zh": "主要问题"},
    "needs": {"needs_zh": "企业诉求"},
    "suggestions": {"suggestions_zh": "帮扶建议"},
}
WIDTHS = {
    "预警编号": 36,
    "统一社会信用代码": 21,
    "企业名称": 28,
    "预警规则": 40,
    "预警依据": 70,
    "主要问题": 50,
    "帮扶建议": 50,
    "企业诉求": 20,
}
SHEET = "预警清单"
# Files carry this fixed timestamp so that a re-run writes the same bytes.
FIXED_TIME = dt.datetime(2000, 1, 1)


def agency_columns(fields: tuple[str, ...]) -> dict[str, str]:
    """Return column -> Chinese header of an agency's extract, identity first.

    >>> list(agency_columns(("pd",)).values())[-1]
    '12个月违约概率'
    """
    out = dict(IDENTITY)
    for code in fields:
        out.update(FIELDS[code])
    return out


def agency_frame(rows: pl.DataFrame, fields: tuple[str, ...]) -> pl.DataFrame:
    """Return the agency's rows as its files show them: entitled columns only, Chinese
    headers, scores to one decimal, PD as a share to four; new and escalated alerts by rank,
    then the resolved notices by rank."""
    columns = agency_columns(fields)
    out = rows.with_columns(
        pl.col("period_month").dt.strftime("%Y-%m"),
        pl.col("state_zh").replace_strict({"新增": 0, "升级": 0, "解除": 1}).alias("_order"),
    )
    rounded = [c for c in out.columns if c.startswith("score_") or c == "overall_score"]
    out = out.with_columns(pl.col(rounded).round(1))
    if "pd" in out.columns:
        out = out.with_columns(pl.col("pd").round(4))
    if "bank_points" in out.columns:
        out = out.with_columns(pl.col("bank_points").round(0))
    out = out.sort(["_order", "rank", "firm_id"], nulls_last=True)
    return out.select(list(columns)).rename(columns)


def _xlsx_bytes(frame: pl.DataFrame, title: str) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    workbook.set_properties({"title": title, "created": FIXED_TIME, "author": "企业健康诊断"})
    sheet = workbook.add_worksheet(SHEET)
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
    )
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    for col, name in enumerate(frame.columns):
        sheet.write_string(0, col, name, header)
        sheet.set_column(col, col, WIDTHS.get(name, max(10, len(name) * 2 + 2)), wrap)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    sheet.freeze_panes(1, 0)
    if frame.height:
        sheet.autofilter(0, 0, frame.height, len(frame.columns) - 1)
    workbook.close()
    return buffer.getvalue()


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=False)
    return buffer.getvalue()


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    return b"\xef\xbb\xbf" + frame.write_csv().encode("utf-8")


def _write_if_changed(path: Path, body: bytes) -> None:
    if path.exists() and path.read_bytes() == body:
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(body)
    tmp.replace(path)


def write_agency_month(
    rows: pl.DataFrame,
    *,
    agency_code: str,
    agency_name_zh: str,
    fields: tuple[str, ...],
    month: dt.date,
    target_dir: Path,
    rules: list[dict],
    model_versions: list[str],
    extra: dict | None = None,
) -> dict:
    """Write one agency's files for ``month`` into ``target_dir/<agency>/<YYYYMM>/`` and return
    its manifest (also written there as manifest.json)."""
    frame = agency_frame(rows, fields)
    stem = f"alert_list_{agency_code}_{month:%Y%m}"
    folder = target_dir / agency_code / f"{month:%Y%m}"
    folder.mkdir(parents=True, exist_ok=True)
    bodies = {
        f"{stem}.csv": _csv_bytes(frame),
        f"{stem}.xlsx": _xlsx_bytes(
            frame, f"{agency_name_zh} {month:%Y年%m月} 企业风险诉求预警清单"
        ),
        f"{stem}.parquet": _parquet_bytes(frame),
    }
    for name, body in bodies.items():
        _write_if_changed(folder / name, body)
    states = rows["state_zh"].value_counts().sort("state_zh").iter_rows() if rows.height else []
    manifest = {
        "agency_code": agency_code,
        "agency_name_zh": agency_name_zh,
        "period_month": f"{month:%Y-%m}",
        "rows": frame.height,
        "rows_by_state": dict(states),
        "columns": frame.columns,
        "files": {
            name: {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
            for name, body in bodies.items()
        },
        "rules": rules,
        "model_versions": model_versions,
        **(extra or {}),
    }
    body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    _write_if_changed(folder / "manifest.json", body + b"\n")
    return manifest
