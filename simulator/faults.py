"""Row-level fault injection for the landing files, and broken-file helpers for tests.

Row faults (at most one per row, recorded in ``truth/injected_faults.csv``):

* ``bad_check_char``: the USCC's last character is replaced by a wrong one;
* ``duplicate_row``: an exact copy of the row is inserted later in the same file (the copy is
  the faulty line);
* ``unparseable_number``: one amount becomes ``12,3a4.00``, ``--``, ``#N/A`` or ``一百万``.

Broken files (test-only): :func:`truncate_file`, :func:`reencode_file`, :func:`drop_column`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import polars as pl

from ingest.uscc import USCC_ALPHABET

BAD_CHECK = "bad_check_char"
DUPLICATE = "duplicate_row"
UNPARSEABLE = "unparseable_number"
MESSY_NUMBERS = ("12,3a4.00", "--", "#N/A", "一百万")

_ALPHA_INDEX = {c: i for i, c in enumerate(USCC_ALPHABET)}


def wrong_check_char(code: str, shift: int) -> str:
    """Replace the check character with another valid-looking character (``shift`` in 1..30)."""
    i = _ALPHA_INDEX.get(code[17], 0)
    return code[:17] + USCC_ALPHABET[(i + shift) % len(USCC_ALPHABET)]


def inject_row_faults(
    df: pl.DataFrame,
    rng: np.random.Generator,
    rate: float,
    uscc_col: str,
    amount_cols: tuple[str, ...] = (),
    amounts_as_text: bool = True,
    protect: np.ndarray | None = None,
) -> pl.DataFrame:
    """Return ``df`` with faults applied, sorted in file order, with helper columns.

    ``_fault`` (null or the fault name) marks the faulty line; ``_ocol``/``_oval`` name a cell
    whose numeric value must be written as the text ``_oval`` (used for XLSX, where amounts are
    numbers); when ``amounts_as_text`` the text is written straight into the string column.
    ``protect`` marks rows that must stay clean.
    """
    n = df.height
    fault = np.zeros(n, dtype=np.int8)  # 0 none, 1 bad check, 2 duplicate, 3 unparseable
    if rate > 0 and n:
        hit = rng.random(n) < rate
        if protect is not None:
            hit &= ~protect
        kinds = 3 if amount_cols else 2
        fault[hit] = rng.integers(1, kinds + 1, size=int(hit.sum()))
    shift = rng.integers(1, len(USCC_ALPHABET), size=n)
    pick = rng.integers(0, 1 << 30, size=n)
    offset = rng.random(n)

    ocol: list[str | None] = [None] * n
    oval: list[str | None] = [None] * n
    if (fault == 3).any():
        present = np.stack([df[c].is_not_null().to_numpy() for c in amount_cols], axis=1)
        for i in np.flatnonzero(fault == 3):
            cols = np.flatnonzero(present[i])
            if len(cols) == 0:  # nothing numeric in this row: spoil its code instead
                fault[i] = 1
                continue
            ocol[i] = amount_cols[int(cols[pick[i] % len(cols)])]
            oval[i] = MESSY_NUMBERS[(pick[i] >> 8) % len(MESSY_NUMBERS)]

    out = df.with_columns(
        pl.Series("_pos", np.arange(n, dtype=np.float64)),
        pl.Series("_ocol", ocol, dtype=pl.String),
        pl.Series("_oval", oval, dtype=pl.String),
    )
    bad = np.flatnonzero(fault == 1)
    if len(bad):
        codes = df[uscc_col]
        new = [wrong_check_char(codes[int(i)], int(shift[i])) for i in bad]
        out = out.with_columns(codes.scatter(bad, new).alias(uscc_col))
    if amounts_as_text and (fault == 3).any():
        out = out.with_columns(
            pl.when(pl.col("_ocol") == c).then(pl.col("_oval")).otherwise(pl.col(c)).alias(c)
            for c in amount_cols
        ).with_columns(pl.lit(None, dtype=pl.String).alias("_ocol"))
    names = np.array([None, BAD_CHECK, None, UNPARSEABLE], dtype=object)
    out = out.with_columns(pl.Series("_fault", names[fault].tolist(), dtype=pl.String))

    dup = np.flatnonzero(fault == 2)
    if len(dup):
        # the copy lands somewhere after the original, before the end of the file
        pos = dup + 0.5 + offset[dup] * (n - 1 - dup)
        copies = out[dup.tolist()].with_columns(
            pl.Series("_pos", pos), pl.lit(DUPLICATE).alias("_fault")
        )
        out = pl.concat([out, copies]).sort("_pos", maintain_order=True)
    return out.drop("_pos")


# ---------------------------------------------------------------------------------------------
# Broken files (test-only fault classes)


def truncate_file(path: str | Path) -> Path:
    """Cut a CSV in the middle of a data row, leaving no trailing newline."""
    path = Path(path)
    data = path.read_bytes()
    lines = data.split(b"\n")
    body = [i for i, line in enumerate(lines) if line]
    if len(body) < 2:
        raise ValueError(f"{path} has no data row to cut")
    target = body[len(body) // 2] if len(body) > 2 else body[-1]
    start = sum(len(line) + 1 for line in lines[:target])
    row = lines[target]
    # cut just before a comma near the middle: a byte that is never inside a multi-byte
    # character (UTF-8 or GBK), so the file stays decodable and is merely cut short
    commas = [i for i, b in enumerate(row) if b == 0x2C]
    cut = min(commas, key=lambda i: abs(i - len(row) // 2)) if commas else 1
    path.write_bytes(data[: start + cut])
    return path


def reencode_file(path: str | Path, src: str = "gbk", dst: str = "utf-8") -> Path:
    """Re-encode a text file (e.g. deliver a GBK file as UTF-8)."""
    path = Path(path)
    path.write_bytes(path.read_bytes().decode(src).encode(dst))
    return path


def drop_column(path: str | Path, header: str) -> Path:
    """Remove one column (by its header) from a CSV (any encoding, keeps a BOM) or an XLSX."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return _drop_xlsx_column(path, header)
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover
        raise ValueError(f"cannot decode {path}")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if header not in rows[0]:
        raise ValueError(f"{path} has no column {header!r}")
    k = rows[0].index(header)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    for row in rows:
        writer.writerow(row[:k] + row[k + 1 :])
    out = buf.getvalue().encode(encoding if encoding != "utf-8-sig" else "utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out)
    return path


def _drop_xlsx_column(path: Path, header: str) -> Path:
    import xlsxwriter

    sheets = pl.read_excel(path, sheet_id=0, infer_schema_length=0, engine="calamine")
    with xlsxwriter.Workbook(str(path)) as wb:
        for name, frame in sheets.items():
            if header not in frame.columns:
                raise ValueError(f"{path} sheet {name} has no column {header!r}")
            frame = frame.drop(header)
            ws = wb.add_worksheet(name)
            ws.write_row(0, 0, frame.columns)
            for r, row in enumerate(frame.iter_rows(), start=1):
                ws.write_row(r, 0, row)
    return path
