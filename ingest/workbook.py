"""Read an XLSX landing file: every sheet that holds the contract's header is read, the header
may sit below title rows or span two rows of merged cells, Excel error cells are located, and a
sheet holding data without the header is reported, never silently dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from ingest.contracts import FeedContract
from ingest.rawfile import FAULT_COLUMNS, RawFile, broken, finish, raw_schema

_HEADER_SEARCH_ROWS = 20
_EXCEL_ERRORS = {
    "Div0": "#DIV/0!",
    "NA": "#N/A",
    "Value": "#VALUE!",
    "Ref": "#REF!",
    "Name": "#NAME?",
    "Num": "#NUM!",
    "Null": "#NULL!",
    "GettingData": "#GETTING_DATA",
}


def column_letter(j: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        out = chr(65 + rem) + out
    return out


def _cells(row: tuple) -> list[str]:
    return [(v or "").strip() for v in row]


def _find_header(rows: list[tuple], headers: list[str]) -> tuple[int, int, dict[str, int]] | None:
    """Return (first header row, first data row, header -> column) or None."""
    for r in range(min(_HEADER_SEARCH_ROWS, len(rows))):
        cells = _cells(rows[r])
        if all(h in cells for h in headers):
            return r, r + 1, {h: cells.index(h) for h in headers}
        if r + 1 < len(rows):
            # a header in two rows: group labels merged across columns above the column labels,
            # or labels merged down over both rows (the lower cell is then empty)
            below = _cells(rows[r + 1])
            merged = [b or a for a, b in zip(cells, below, strict=False)]
            if all(h in merged for h in headers) and not all(h in below for h in headers):
                return r, r + 2, {h: merged.index(h) for h in headers}
    return None


def _closest(rows: list[tuple], headers: list[str]) -> tuple[int, list[str]]:
    best, best_missing = 0, headers
    for r in range(min(_HEADER_SEARCH_ROWS, len(rows))):
        cells = _cells(rows[r])
        missing = [h for h in headers if h not in cells]
        if len(missing) < len(best_missing):
            best, best_missing = r, missing
    return best, best_missing


def read_workbook(path: Path, contract: FeedContract, name: str) -> RawFile:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception:  # calamine raises its own error types for zip/xml damage
        raise broken(
            name,
            "unreadable_workbook",
            detail="the workbook cannot be opened: it is damaged or was cut off in transfer",
            detail_zh="工作簿无法打开：文件已损坏或传输不完整",
        ) from None
    headers = contract.headers
    frames: list[pl.DataFrame] = []
    letters: dict[str, dict[str, str]] = {}
    warnings: list[str] = []
    unread: list[tuple[str, int, int, list[str]]] = []
    names = sorted(reader.sheet_names, key=lambda s: s != contract.sheet)
    for sheet_name in names:
        try:
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
            batch, errors = sheet.to_arrow_with_errors()
            absolute = [c.absolute_index for c in sheet.available_columns()]
        except Exception:
            raise broken(
                name,
                "unreadable_workbook",
                detail=f"sheet {sheet_name!r} cannot be read: the workbook is damaged",
                detail_zh=f"工作表「{sheet_name}」无法读取：工作簿已损坏",
            ) from None
        grid = pl.from_arrow(batch) if batch.num_columns else pl.DataFrame()
        rows = grid.rows() if grid.width else []
        nonempty = [r for r, row in enumerate(rows) if any(v not in (None, "") for v in row)]
        if not nonempty:
            continue
        found = _find_header(rows, headers)
        if found is None:
            at, missing = _closest(rows, headers)
            unread.append((sheet_name, len(nonempty), at + 1, missing))
            continue
        header_row, first_data, where = found
        frame, sheet_letters = _sheet_frame(
            rows, first_data, where, absolute, errors, contract, sheet_name
        )
        frames.append(frame)
        letters[sheet_name] = sheet_letters
        if header_row > 0:
            warnings.append(
                f"sheet {sheet_name!r}: the header is on row {header_row + 1}"
                + (f"-{first_data}" if first_data - header_row > 1 else "")
                + "; the rows above it were not read as data"
            )
    if not frames:
        if not unread:
            raise broken(
                name,
                "no_header",
                detail="the workbook holds no data: every sheet is empty",
                detail_zh="工作簿没有数据：所有工作表均为空",
            )
        sheet_name, _, at, missing = unread[0]
        raise broken(
            name,
            "no_header",
            detail=f"no sheet has a header row with the contract's columns in its first "
            f"{_HEADER_SEARCH_ROWS} rows; the closest is sheet {sheet_name!r} row {at}, which "
            f"lacks {', '.join(missing)} (a header must be one row, or two rows of merged cells)",
            detail_zh=f"没有工作表在前 {_HEADER_SEARCH_ROWS} 行中含有约定的表头；最接近的是"
            f"工作表「{sheet_name}」第 {at} 行，缺少 {'、'.join(missing)}"
            "（表头应为一行，或两行合并单元格）",
        )
    if contract.sheet not in letters:
        warnings.append(
            f"the contract's sheet {contract.sheet!r} is not in the workbook; read "
            + ", ".join(repr(s) for s in letters)
        )
    for sheet_name, count, _, _ in unread:
        warnings.append(
            f"sheet {sheet_name!r} holds {count} non-empty row(s) without the contract's header; "
            "it was not read"
        )
    frame = pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]
    return RawFile(finish(frame, contract), warnings, letters)


def _sheet_frame(
    rows: list[tuple],
    first_data: int,
    where: dict[str, int],
    absolute: list[int],
    errors,
    contract: FeedContract,
    sheet_name: str,
) -> tuple[pl.DataFrame, dict[str, str]]:
    header_of = {j: h for h, j in where.items()}
    bad: dict[int, tuple[str, str]] = {}  # row -> (header, error text), first error per row
    for err in getattr(errors, "errors", []) or []:
        r, j = err.position
        if r < first_data or j not in header_of or r in bad:
            continue
        m = re.search(r"Error\((\w+)\)", err.detail)
        bad[r] = (header_of[j], _EXCEL_ERRORS.get(m.group(1), m.group(1)) if m else "#ERROR")
    cols = {c.name: where[c.header] for c in contract.columns}
    data: dict[str, list] = {c.name: [] for c in contract.columns}
    extra: dict[str, list] = {k: [] for k in ("_line", "_where", "_sheet", *FAULT_COLUMNS, "_raw")}
    for r in range(first_data, len(rows)):
        row = rows[r]
        values = {n: row[j] if j < len(row) else None for n, j in cols.items()}
        if r not in bad and all(v in (None, "") for v in values.values()):
            continue  # an empty row is not a record
        for n, v in values.items():
            data[n].append(v)
        extra["_line"].append(r + 1)
        extra["_where"].append(f"sheet {sheet_name} row {r + 1}")
        extra["_sheet"].append(sheet_name)
        fault = bad.get(r)
        if fault:
            header, text = fault
            letter = column_letter(absolute[where[header]])
            cell = f"{letter}{r + 1}"
            values_ = ("excel_error", header, text, f"cell {cell}", f"单元格 {cell}")
        else:
            values_ = (None,) * len(FAULT_COLUMNS)
        for k, v in zip(FAULT_COLUMNS, values_, strict=True):
            extra[k].append(v)
        extra["_raw"].append(None)
    frame = pl.DataFrame({**data, **extra}, schema=raw_schema(contract))
    letters = {c.name: column_letter(absolute[where[c.header]]) for c in contract.columns}
    return frame, letters
