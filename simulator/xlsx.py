"""A small, fast, deterministic XLSX writer for one-sheet exports.

Cells are built with vectorised polars string expressions and streamed into the zip in chunks,
so half a million rows take seconds (xlsxwriter needs about a minute). Strings are inline
(``t="inlineStr"``, as xlsxwriter's constant-memory mode writes them); amounts carry the built-in
number format ``0.00``. Zip entries get a fixed timestamp: same data, same bytes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl

from simulator.formats import fixed

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_OOX = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OOX}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOX}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OOX}.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WB_RELS = (
    _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    _HEAD
    + f"<styleSheet {_NS}>"
    '<fonts count="1"><font><sz val="11"/><name val="等线"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)  # fmt: skip

CHUNK_ROWS = 50_000


def col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _xml_text(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def _inline(ref: pl.Expr, text: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [pl.lit('<c r="'), ref, pl.lit('" t="inlineStr"><is><t>'), _xml_text(text),
         pl.lit("</t></is></c>")]
    )  # fmt: skip


def _cell(name: str, j: int, kind: str, has_override: bool) -> pl.Expr:
    ref = pl.concat_str([pl.lit(col_letter(j)), pl.col("_r")])
    col = pl.col(name)
    if kind == "t":
        cell = _inline(ref, col.cast(pl.String))
    else:
        if kind == "a":
            value = fixed(col.cast(pl.Float64), 2)
        else:
            value = col.cast(pl.Int64).cast(pl.String)
        style = ' s="1"' if kind == "a" else ""
        cell = pl.concat_str([pl.lit('<c r="'), ref, pl.lit(f'"{style}><v>'), value,
                              pl.lit("</v></c>")])  # fmt: skip
        if has_override:  # a messy amount: the cell holds text instead of a number
            cell = (
                pl.when(pl.col("_ocol") == name).then(_inline(ref, pl.col("_oval"))).otherwise(cell)
            )
    return cell.fill_null("")


def _zinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def write_xlsx(
    path: str | Path,
    sheet: str,
    df: pl.DataFrame,
    columns: Sequence[str],
    kinds: Sequence[str],
) -> None:
    """Write ``df[columns]`` to a one-sheet workbook.

    ``kinds`` per column: ``"t"`` text, ``"a"`` amount (number, format ``0.00``), ``"i"``
    integer. Null cells are left empty. If ``df`` has ``_ocol``/``_oval``, the amount cell named
    by ``_ocol`` is written as the text ``_oval`` instead.
    """
    columns = list(columns)
    has_override = "_ocol" in df.columns and df["_ocol"].is_not_null().any()
    last = f"{col_letter(len(columns) - 1)}{df.height + 1}"
    header = "".join(
        f'<c r="{col_letter(j)}1" t="inlineStr"><is><t>{escape(c)}</t></is></c>'
        for j, c in enumerate(columns)
    )
    cells = [
        _cell(c, j, k, has_override) for j, (c, k) in enumerate(zip(columns, kinds, strict=True))
    ]
    row_expr = pl.concat_str(
        [pl.lit('<row r="'), pl.col("_r"), pl.lit('">'), *cells, pl.lit("</row>")]
    )
    keep = columns + (["_ocol", "_oval"] if has_override else [])
    workbook = (
        _HEAD + f"<workbook {_NS} {_NS_R}><bookViews><workbookView/></bookViews>"
        f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(_zinfo("[Content_Types].xml"), _CONTENT_TYPES)
        zf.writestr(_zinfo("_rels/.rels"), _ROOT_RELS)
        zf.writestr(_zinfo("xl/workbook.xml"), workbook)
        zf.writestr(_zinfo("xl/_rels/workbook.xml.rels"), _WB_RELS)
        zf.writestr(_zinfo("xl/styles.xml"), _STYLES)
        with zf.open(_zinfo("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as out:
            out.write(
                (
                    _HEAD + f"<worksheet {_NS} {_NS_R}>"
                    f'<dimension ref="A1:{last}"/><sheetData><row r="1">{header}</row>'
                ).encode("utf-8")
            )
            for start in range(0, df.height, CHUNK_ROWS):
                chunk = df.slice(start, CHUNK_ROWS).select(keep)
                chunk = chunk.with_columns(
                    pl.int_range(start + 2, start + 2 + chunk.height).cast(pl.String).alias("_r")
                )
                rows = chunk.select(row_expr.alias("x"))["x"]
                out.write("".join(rows.to_list()).encode("utf-8"))
            out.write(b"</sheetData></worksheet>")
