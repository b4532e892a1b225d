"""Read one landing file into a frame of raw strings, or say precisely why it cannot be read.

Every reader returns the contract's columns (renamed to our names, all strings) plus ``_line``:
the 1-based line of the row in the file (the header is line 1) or, for JSON, the 1-based index
of the object in the array. Row-level problems are left to ``ingest.validate``; a problem that
makes the whole file untrustworthy raises ``BrokenFileError``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl

from ingest.contracts import FeedContract

_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gbk": "GBK"}


class BrokenFileError(Exception):
    """A landing file that cannot be read as its contract says; the message says where and why."""

    def __init__(self, file: str, problem: str):
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


def read_raw(path: Path, contract: FeedContract, display_name: str | None = None) -> pl.DataFrame:
    """Return the file's rows as strings under the contract's column names, plus ``_line``."""
    name = display_name or str(path)
    if contract.format == "csv":
        return _read_csv(path.read_bytes(), contract, name)
    if contract.format == "xlsx":
        return _read_xlsx(path, contract, name)
    return _read_json(path.read_bytes(), contract, name)


def _decode(data: bytes, encoding: str, name: str, headers: list[str]) -> str:
    """Decode strictly; on failure say where, and which encoding the file really seems to be in."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    if encoding == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if exc.start >= len(data) - 3 and not data.endswith(b"\n"):
            # cut off in transfer in the middle of a multi-byte character
            raise BrokenFileError(
                name, f"file is truncated: line {line} ends mid-character with no line ending"
            ) from None
        hint = _guess_encoding(data, codec, headers)
        raise BrokenFileError(
            name,
            f"not valid {_ENCODING_NAMES.get(encoding, encoding)} at line {line} (byte {exc.start})"
            + (
                f"; the file looks {hint}-encoded, the contract says {_ENCODING_NAMES[encoding]}"
                if hint
                else ""
            ),
        ) from None
    first = text.split("\n", 1)[0]
    if not any(h in first for h in headers[:3]):
        hint = _guess_encoding(data, codec, headers)
        if hint:
            raise BrokenFileError(
                name,
                f"header is unreadable as {_ENCODING_NAMES[encoding]}; the file looks "
                f"{hint}-encoded, the contract says {_ENCODING_NAMES[encoding]}",
            )
    return text


def _guess_encoding(data: bytes, tried: str, headers: list[str]) -> str | None:
    for other in ("utf-8", "gbk"):
        if other == tried:
            continue
        try:
            text = data.removeprefix(b"\xef\xbb\xbf").decode(other)
        except UnicodeDecodeError:
            continue
        if any(h in text.split("\n", 1)[0] for h in headers):
            return _ENCODING_NAMES[other]
    return None


def _check_header(found: list[str], contract: FeedContract, name: str) -> None:
    found = [h.strip() for h in found]
    missing = [h for h in contract.headers if h not in found]
    if missing:
        raise BrokenFileError(
            name,
            f"missing required column(s) {', '.join(missing)}; the header has {', '.join(found)}",
        )


def _read_csv(data: bytes, contract: FeedContract, name: str) -> pl.DataFrame:
    text = _decode(data, contract.encoding, name, contract.headers)
    if not text.strip():
        raise BrokenFileError(name, "file is empty (no header line)")
    header = next(csv.reader([text.split("\n", 1)[0].rstrip("\r")]))
    _check_header(header, contract, name)
    if not text.endswith("\n"):
        # A department export always ends its last record with a line break; a file that does
        # not, and whose last record is short, was cut off in transfer.
        last = text.rsplit("\n", 1)[-1]
        fields = next(csv.reader([last]), [])
        if len(fields) < len(header):
            line = text.count("\n") + 1
            raise BrokenFileError(
                name,
                f"file is truncated: line {line} has {len(fields)} of {len(header)} fields and "
                "no line ending",
            )
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            infer_schema=False,
            has_header=True,
        )
    except pl.exceptions.PolarsError as exc:
        raise BrokenFileError(name, f"cannot be parsed as CSV: {exc}") from None
    frame = frame.rename({c: c.strip() for c in frame.columns})
    return _finish(frame, contract, first_line=2)


def _read_xlsx(path: Path, contract: FeedContract, name: str) -> pl.DataFrame:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # calamine raises its own error types for zip/xml damage
        raise BrokenFileError(
            name, f"not a readable XLSX workbook (truncated or corrupt): {exc}"
        ) from None
    if contract.sheet not in reader.sheet_names:
        raise BrokenFileError(
            name, f"sheet {contract.sheet!r} not found; the workbook has {reader.sheet_names}"
        )
    try:
        sheet = reader.load_sheet(contract.sheet, dtypes="string")
        frame = sheet.to_polars()
    except Exception as exc:
        raise BrokenFileError(name, f"sheet {contract.sheet!r} cannot be read: {exc}") from None
    _check_header(frame.columns, contract, name)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    return _finish(frame, contract, first_line=2)


def _read_json(data: bytes, contract: FeedContract, name: str) -> pl.DataFrame:
    text = _decode(data, contract.encoding, name, contract.headers)
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BrokenFileError(
            name, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(records, list) or any(not isinstance(r, dict) for r in records):
        raise BrokenFileError(name, "expected a JSON array of objects")
    found = sorted({k for r in records for k in r})
    if records:
        _check_header(found, contract, name)
    columns = {
        h: [None if r.get(h) is None else str(r.get(h)) for r in records] for h in contract.headers
    }
    frame = pl.DataFrame(columns, schema={h: pl.String for h in contract.headers})
    return _finish(frame, contract, first_line=1)


def _finish(frame: pl.DataFrame, contract: FeedContract, first_line: int) -> pl.DataFrame:
    rename = {c.header: c.name for c in contract.columns}
    return (
        frame.select([pl.col(h).cast(pl.String).str.strip_chars() for h in contract.headers])
        .rename(rename)
        .with_row_index("_line", offset=first_line)
        .with_columns(pl.col("_line").cast(pl.Int64))
    )
