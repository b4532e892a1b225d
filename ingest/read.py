"""Read one landing file into a frame of raw strings, or say precisely why it cannot be read.

Every reader returns the contract's columns (renamed to our names, all strings, empty as null)
and the place of each row:

- ``_line``: the physical line the row starts on (CSV, the header is line 1), the worksheet row
  (XLSX) or the 1-based index of the object in the array (JSON);
- ``_where``: the same place in words for messages ("line 12", "sheet 年报 row 12", "item 7
  (line 9)"); ``_sheet``: the worksheet (XLSX only);
- ``_fault`` / ``_fault_column`` / ``_fault_value`` / ``_fault_detail`` / ``_fault_detail_zh``:
  a problem the reader already found in the row (a malformed CSV line, bytes in the wrong
  encoding, an Excel error cell, a JSON value that is not a scalar); ``ingest.validate``
  quarantines such rows first;
- ``_raw``: the row's original text when it could not be split into fields.

A problem that makes the whole file untrustworthy (empty, wrong type, wrong encoding, cut off,
no header) raises ``BrokenFileError`` with a reason code and a Chinese and English message.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from ingest.contracts import FeedContract
from ingest.jsonfile import read_json
from ingest.rawfile import (
    BAD_LINE_SHARE,
    BOM,
    ENCODING_NAMES,
    FAULT_COLUMNS,
    MAX_RECORD_LINES,
    BrokenFileError,
    RawFile,
    broken,
    check_header,
    codec_of,
    decode_bom,
    encoding_mismatch,
    other_encoding,
    raw_frame,
)
from ingest.workbook import read_workbook

__all__ = ["BrokenFileError", "RawFile", "read_file", "read_raw"]

# A value longer than the csv module's default limit (128 KiB) is a row fault (too_long), not
# a reason to refuse the line.
csv.field_size_limit(1 << 30)


def read_file(path: Path, contract: FeedContract, display_name: str | None = None) -> RawFile:
    """Return the file's rows as strings under the contract's column names, with their places."""
    name = display_name or str(path)
    data = path.read_bytes()
    _sniff(data, contract, name)
    if contract.format == "csv":
        return _read_csv(data, contract, name)
    if contract.format == "xlsx":
        return read_workbook(path, contract, name)
    return read_json(data, contract, name)


def read_raw(path: Path, contract: FeedContract, display_name: str | None = None) -> pl.DataFrame:
    """The frame of :func:`read_file` alone."""
    return read_file(path, contract, display_name).frame


# ------------------------------------------------------------------------------ file type


def _sniff(data: bytes, contract: FeedContract, name: str) -> None:
    """Refuse empty files and files of another type than the contract's, saying what they are."""
    if not data:
        raise broken(name, "empty_file")
    if data == BOM or (data.startswith(BOM) and not data[3:].strip()):
        raise broken(name, "bom_only")
    if not data.strip():
        raise broken(
            name,
            "empty_file",
        )
    is_zip = data.startswith(b"PK\x03\x04")
    is_ole = data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    expected = {"csv": "CSV", "xlsx": "XLSX", "json": "JSON"}[contract.format]
    if contract.format != "xlsx" and (is_zip or is_ole):
        kind = "an Excel workbook (XLSX)" if is_zip else "an old Excel workbook (XLS)"
        kind_zh = "Excel 工作簿（XLSX）" if is_zip else "旧版 Excel 工作簿（XLS）"
        raise broken(
            name,
            "wrong_file_type",
            detail=f"the file is {kind}, not {expected} text; export it as {expected}",
            detail_zh=f"文件是{kind_zh}，不是 {expected} 文本，请导出为 {expected}",
        )
    if contract.format == "xlsx" and not is_zip:
        if is_ole:
            detail = "the file is an old Excel workbook (XLS); save it as XLSX"
            detail_zh = "文件是旧版 Excel 工作簿（XLS），请另存为 XLSX"
        elif _looks_textual(data):
            detail = "the file is text (CSV or similar), not an XLSX workbook"
            detail_zh = "文件是文本（CSV 等），不是 XLSX 工作簿"
        else:
            detail = "the file is not an XLSX workbook (it is not a ZIP package)"
            detail_zh = "文件不是 XLSX 工作簿（不是 ZIP 包）"
        raise broken(name, "wrong_file_type", detail=detail, detail_zh=detail_zh)
    if contract.format != "xlsx":
        _sniff_text(data, contract, name)


_SIGNATURES = (
    (b"\x1f\x8b", "a gzip-compressed file", "gzip 压缩文件"),
    (b"7z\xbc\xaf", "a 7-Zip archive", "7-Zip 压缩包"),
    (b"Rar!", "a RAR archive", "RAR 压缩包"),
    (b"%PDF", "a PDF document", "PDF 文档"),
)


def _sniff_text(data: bytes, contract: FeedContract, name: str) -> None:
    """CSV and JSON must be text: name compressed, PDF, HTML and UTF-16 files for what they are."""
    expected = contract.format.upper()
    enc = ENCODING_NAMES[contract.encoding]
    for magic, kind, kind_zh in _SIGNATURES:
        if data.startswith(magic):
            raise broken(
                name,
                "wrong_file_type",
                detail=f"the file is {kind}, not {expected} text; deliver the {expected} itself",
                detail_zh=f"文件是{kind_zh}，不是 {expected} 文本，请直接报送 {expected} 文件",
            )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 20:
        raise broken(
            name,
            "encoding_mismatch",
            detail=f"the file is UTF-16 text (Excel's 'Unicode text'), the contract says {enc}; "
            f"export it as {enc} CSV",
            detail_zh=f"文件是 UTF-16 编码（Excel 的 Unicode 文本），约定为 {enc}，"
            f"请导出为 {enc} 编码的 CSV",
        )
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")):
        raise broken(
            name,
            "wrong_file_type",
            detail=f"the file is an HTML or XML page, not {expected}; export the data as "
            f"{expected}",
            detail_zh=f"文件是 HTML 或 XML 网页，不是 {expected}，请导出为 {expected}",
        )


def _looks_textual(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" not in head and (b"," in head or b"{" in head or b"[" in head)


# ------------------------------------------------------------------------------ CSV


def _read_csv(data: bytes, contract: FeedContract, name: str) -> RawFile:
    data, warnings = decode_bom(data, contract, name)
    codec = codec_of(contract)
    enc = ENCODING_NAMES[contract.encoding]
    ends_cleanly = data.endswith(b"\n")
    lines = data.split(b"\n")
    if ends_cleanly:
        lines.pop()
    head = lines[0].rstrip(b"\r")
    try:
        header_text = head.decode(codec)
    except UnicodeDecodeError:
        found = other_encoding(head, codec, contract.headers)
        if found:
            raise encoding_mismatch(name, found, contract) from None
        raise broken(
            name,
            "encoding_mismatch",
            detail=f"the header line is not valid {enc}",
            detail_zh=f"表头行不是有效的 {enc} 编码",
        ) from None
    header = [h.strip() for h in next(csv.reader([header_text]), [])]
    for sep, label, label_zh in (("\t", "tabs", "制表符"), (";", "semicolons", "分号")):
        fields = [h.strip() for h in header_text.split(sep)]
        if len(header) == 1 and sum(h in fields for h in contract.headers) > 1:
            raise broken(
                name,
                "wrong_separator",
                detail=f"the columns are separated by {label}; the contract says commas",
                detail_zh=f"各列以{label_zh}分隔，约定为逗号",
            )
    if not any(h in header for h in contract.headers):
        found = other_encoding(head, codec, contract.headers)
        if found:
            raise encoding_mismatch(name, found, contract)
    index = check_header(header, contract, name)

    # decode line by line: a few lines in another encoding are row faults, most is a file fault
    texts: list[str | None] = []
    faults: dict[int, tuple] = {}  # physical line index -> fault tuple
    for i in range(1, len(lines)):
        raw = lines[i]
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError as exc:
            if i == len(lines) - 1 and not ends_cleanly and exc.start >= len(raw) - 3:
                raise broken(
                    name,
                    "truncated",
                    detail=f"line {i + 1} ends in the middle of a character, with no line ending",
                    detail_zh=f"第 {i + 1} 行在一个字符中间结束，且没有换行符",
                ) from None
            texts.append(None)
            if codec == "gbk" and _is_utf8(raw):
                faults[i] = ("mixed_encoding", None, None, None, None)
                continue
            other = other_encoding(raw, codec, []) or _guess_line(raw, codec)
            faults[i] = (
                "bad_encoding",
                None,
                None,
                f"byte {exc.start + 1} of the line; the line looks {other}-encoded"
                if other
                else f"byte {exc.start + 1} of the line",
                f"该行第 {exc.start + 1} 个字节；该行看起来是 {other} 编码"
                if other
                else f"该行第 {exc.start + 1} 个字节",
            )
            continue
        if codec == "gbk" and not text.isascii() and _is_utf8(raw):
            texts.append(None)
            faults[i] = ("mixed_encoding", None, None, None, None)
            continue
        texts.append(text)
    data_lines = len(lines) - 1
    enc_bad = sum(1 for f in faults.values() if f[0] in ("bad_encoding", "mixed_encoding"))
    if data_lines >= 2 and enc_bad > BAD_LINE_SHARE * data_lines:
        found = other_encoding(data, codec, contract.headers) or (
            "UTF-8" if codec == "gbk" and all(_is_utf8(x) for x in lines[1:6]) else None
        )
        if found:
            raise encoding_mismatch(name, found, contract)
        raise broken(
            name,
            "too_many_bad_lines",
            detail=f"{enc_bad} of {data_lines} lines are not valid {enc}",
            detail_zh=f"{data_lines} 行中有 {enc_bad} 行不是有效的 {enc} 编码",
        )

    if not ends_cleanly and texts and texts[-1] is not None:
        # A department export ends its last record with a line break; a last record that is
        # short and has none was cut off in transfer.
        fields = next(csv.reader([texts[-1]]), [])
        if len(fields) < len(header):
            raise broken(
                name,
                "truncated",
                detail=f"line {len(lines)} has {len(fields)} of {len(header)} fields and no line "
                "ending",
                detail_zh=f"第 {len(lines)} 行只有 {len(fields)} 个字段（应为 {len(header)} 个），"
                "且没有换行符",
            )

    records = _split_records(texts, len(header), faults)
    n = len(records)
    columns: dict[str, list[str | None]] = {c.name: [None] * n for c in contract.columns}
    line_no = [0] * n
    where = [""] * n
    fault_cols: dict[str, list] = {k: [None] * n for k in (*FAULT_COLUMNS, "_raw")}
    positions = [(c.name, index[c.header]) for c in contract.columns]
    for r, (i, fields, fault, raw_text) in enumerate(records):
        line_no[r] = i + 1
        where[r] = f"line {i + 1}"
        if fault is not None:
            for k, v in zip(FAULT_COLUMNS, fault, strict=True):
                fault_cols[k][r] = v
            fault_cols["_raw"][r] = raw_text
            continue
        for col_name, j in positions:
            value = fields[j]
            columns[col_name][r] = value if value != "" else None
    malformed = sum(1 for _, _, f, _ in records if f is not None and f[0] == "malformed_row")
    if n >= 2 and malformed > BAD_LINE_SHARE * n:
        raise broken(
            name,
            "too_many_bad_lines",
            detail=f"{malformed} of {n} lines cannot be split into the header's {len(header)} "
            "fields; is the separator a comma?",
            detail_zh=f"{n} 行中有 {malformed} 行无法按表头拆成 {len(header)} 个字段，"
            "分隔符是否为逗号？",
        )
    frame = raw_frame(contract, columns, line_no, where, fault_cols)
    extra = [h for h in header if h and h not in contract.headers]
    if extra:
        warnings.append(f"columns not in the contract were not read: {', '.join(extra)}")
    return RawFile(frame, warnings)


def _is_utf8(raw: bytes) -> bool:
    """True when the bytes are UTF-8 Chinese text. GBK bytes can happen to form valid UTF-8
    (某 is C4 B3, which UTF-8 reads as ĳ), but then they decode to Latin letters, never to the
    CJK and full-width characters (U+2E80 on) that real UTF-8 Chinese decodes to."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    wide = [ch for ch in text if ord(ch) > 0x7F]
    return bool(wide) and all(ord(ch) >= 0x2E80 for ch in wide)


def _guess_line(raw: bytes, codec: str) -> str | None:
    if codec != "gbk" and not raw.isascii():
        try:
            raw.decode("gbk")
            return "GBK"
        except UnicodeDecodeError:
            return None
    return None


def _split_records(
    texts: list[str | None], width: int, faults: dict[int, tuple]
) -> list[tuple[int, list[str], tuple | None, str | None]]:
    """Split decoded data lines into records: (physical line index, fields, fault, raw text).

    A line with an even number of quotes is a record on its own. A line with an odd number opens
    a quoted field that continues on the next lines (an embedded line break); if no later line
    closes it into a record of the header's width, the quote is stray and only that line is
    refused. Rows keep the physical line they start on, so later line numbers stay right.
    """
    out: list[tuple[int, list[str], tuple | None, str | None]] = []
    n = len(texts)
    parsed = _parse_quoted_lines(texts)
    i = 0
    while i < n:
        phys = i + 1  # texts[0] is physical line index 1 (line 2)
        text = texts[i]
        if text is None:
            out.append((phys, [], faults[phys], None))
            i += 1
            continue
        line = text[:-1] if text.endswith("\r") else text
        if not line.strip():
            i += 1  # a blank line is not a record
            continue
        if '"' not in line:
            out.append(_record(phys, line.split(","), width, line))
            i += 1
            continue
        if line.count('"') % 2 == 0:
            fields = parsed[i] if i in parsed else _parse(line)
            if fields is not None:
                out.append(_record(phys, fields, width, line))
                i += 1
                continue
        else:
            joined, used = line, 1
            fields = None
            while i + used < n and used < MAX_RECORD_LINES and texts[i + used] is not None:
                nxt = texts[i + used]
                joined += "\n" + (nxt[:-1] if nxt.endswith("\r") else nxt)
                used += 1
                if joined.count('"') % 2 == 0:
                    fields = _parse(joined)
                    break
            if fields is not None and len(fields) == width:
                out.append((phys, fields, None, None))
                i += used
                continue
        out.append(
            (
                phys,
                [],
                (
                    "malformed_row",
                    None,
                    None,
                    "a quotation mark is not closed or is misplaced, so the line cannot be split "
                    "into fields",
                    "引号未闭合或位置错误，无法拆分字段",
                ),
                line,
            )
        )
        i += 1
    return out


def _parse_quoted_lines(texts: list[str | None]) -> dict[int, list[str]]:
    """Return the fields of every line with quotation marks that ``_parse`` would give on its
    own, parsed in one pass (most department exports quote every text field: a reader per line
    costs 40% of reading them). Lines with an odd number of quotes or a carriage return inside
    are left to the line-by-line path, and so is everything when the one pass fails."""
    index, lines = [], []
    for i, text in enumerate(texts):
        if text is None:
            continue
        line = text[:-1] if text.endswith("\r") else text
        if '"' in line and "\r" not in line and line.count('"') % 2 == 0 and line.strip():
            index.append(i)
            lines.append(line)
    try:
        rows = list(csv.reader(lines, strict=True))
    except csv.Error:
        return {}
    # a line that left a quote open would swallow the next one: then the counts differ
    return dict(zip(index, rows, strict=True)) if len(rows) == len(lines) else {}


def _parse(text: str) -> list[str] | None:
    try:
        rows = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def _record(phys: int, fields: list[str], width: int, line: str):
    if len(fields) == width:
        return (phys, fields, None, None)
    if len(fields) > width and not any(f.strip() for f in fields[width:]):
        return (phys, fields[:width], None, None)  # trailing empty fields: nothing is lost
    detail = f"the line has {len(fields)} fields, the header has {width}"
    detail_zh = f"该行有 {len(fields)} 个字段，表头有 {width} 个"
    if len(fields) > width:
        detail += " (a comma inside a value that is not quoted?)"
        detail_zh += "（某个值中含有未加引号的逗号？）"
    return (phys, [], ("malformed_row", None, None, detail, detail_zh), line)
