"""Order-independent fingerprints of tables: one hash per row over normalised values, so the same
rows built by two engines (or by two versions of the models) compare equal whatever the row
order, the physical types (decimal(38,0) vs bigint, int32 vs int64) or the timestamp encoding.

Normalisation per value: null -> a marker; numbers -> ``float_digits`` significant digits (17
keeps every bit of a double: the exact mode of the before/after checksum on one engine; the
parity check uses fewer, since two engines' ``ln``/``pow``/summation order differ in the last
bits); dates and timestamps -> ISO text; booleans -> true/false; lists -> their normalised items
in order; strings as they are. The parity comparison then pairs the rows left over whose only
differences are doubles within a relative 1e-12 (`compare`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

EXACT_DIGITS = 17
PARITY_DIGITS = 12
REL_TOL = 1e-12

_NULL = "\x00null"


def normalise(value: object, float_digits: int = EXACT_DIGITS) -> str:
    """Return the text a value is hashed as.

    >>> normalise(decimal.Decimal("5.00")) == normalise(5) == normalise(5.0)
    True
    """
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        number = float(value)
        if number != number:
            return "nan"
        if number == 0:
            return "0"
        return format(number, f".{float_digits}g")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + "\x1f".join(normalise(v, float_digits) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + "\x1f".join(f"{k}={normalise(v, float_digits)}" for k, v in items) + "}"
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def row_hashes(table: pa.Table, float_digits: int = EXACT_DIGITS) -> Counter[str]:
    """Return the multiset of row hashes of an Arrow table, columns taken by lower-case name in
    sorted order (two engines may order or case them differently)."""
    names = sorted(table.column_names, key=str.lower)
    columns = [table.column(name).to_pylist() for name in names]
    header = "\x1e".join(name.lower() for name in names)
    hashes: Counter[str] = Counter()
    for values in zip(*columns, strict=True) if columns else ():
        text = header + "\x1d" + "\x1e".join(normalise(v, float_digits) for v in values)
        hashes[hashlib.blake2b(text.encode(), digest_size=16).hexdigest()] += 1
    return hashes


def checksum(hashes: Counter[str]) -> str:
    """Return one order-independent digest of a multiset of row hashes."""
    digest = hashlib.blake2b(digest_size=16)
    for row_hash, count in sorted(hashes.items()):
        digest.update(f"{row_hash}:{count};".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class TableDiff:
    """How one table compares on two sides: row counts, rows only on one side, and columns."""

    table: str
    left_rows: int
    right_rows: int
    only_left: int
    only_right: int
    left_columns: tuple[str, ...]
    right_columns: tuple[str, ...]

    @property
    def identical(self) -> bool:
        return (
            self.only_left == 0 and self.only_right == 0 and self.left_columns == self.right_columns
        )


def compare(
    name: str,
    left: pa.Table,
    right: pa.Table,
    float_digits: int = PARITY_DIGITS,
    rel_tol: float = REL_TOL,
) -> TableDiff:
    """Return how two versions of a table differ, row for row, ignoring row order.

    Rows first match on their hashes (doubles to ``float_digits`` significant digits); a row
    left over then matches one of the other side that agrees on every column that is not
    floating point and whose doubles agree within ``rel_tol`` (relative; absolute near zero):
    two engines add doubles in different orders, and rounding can put two values 1e-16 apart on
    either side of a digit.
    """
    a, b = row_hashes(left, float_digits), row_hashes(right, float_digits)
    only_a, only_b = a - b, b - a
    if only_a and only_b:
        only_a, only_b = _match_within_tolerance(left, right, only_a, only_b, float_digits, rel_tol)
    return TableDiff(
        table=name,
        left_rows=left.num_rows,
        right_rows=right.num_rows,
        only_left=sum(only_a.values()),
        only_right=sum(only_b.values()),
        left_columns=tuple(sorted(c.lower() for c in left.column_names)),
        right_columns=tuple(sorted(c.lower() for c in right.column_names)),
    )


def _approximate(left: pa.Table, right: pa.Table) -> set[str]:
    """Columns that are floating point on either side (lower-case names)."""
    return {
        field.name.lower()
        for table in (left, right)
        for field in table.schema
        if pa.types.is_floating(field.type)
    }


def _split_rows(table, approx, float_digits):
    """Yield (row hash, exact-part key, floats) for every row."""
    names = sorted(table.column_names, key=str.lower)
    header = "\x1e".join(name.lower() for name in names)
    exact = [n for n in names if n.lower() not in approx]
    floats = [n for n in names if n.lower() in approx]
    columns = {n: table.column(n).to_pylist() for n in names}
    for i in range(table.num_rows):
        values = [columns[n][i] for n in names]
        text = header + "\x1d" + "\x1e".join(normalise(v, float_digits) for v in values)
        row_hash = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        key = "\x1e".join(normalise(columns[n][i], float_digits) for n in exact)
        yield (
            row_hash,
            key,
            [None if columns[n][i] is None else float(columns[n][i]) for n in floats],
        )


def _close(x: list, y: list, rel_tol: float) -> bool:
    for u, v in zip(x, y, strict=True):
        if u is None or v is None:
            if u is not v:
                return False
        elif abs(u - v) > rel_tol * max(abs(u), abs(v), 1e-9):
            return False
    return True


def _match_within_tolerance(left, right, only_a, only_b, float_digits, rel_tol):
    approx = _approximate(left, right)
    if not approx:
        return only_a, only_b
    pending_a, pending_b = Counter(only_a), Counter(only_b)
    rows_b: dict[str, list] = {}
    for row_hash, key, floats in _split_rows(right, approx, float_digits):
        if pending_b[row_hash] > 0:
            rows_b.setdefault(key, []).append([row_hash, floats])
    for row_hash, key, floats in _split_rows(left, approx, float_digits):
        if pending_a[row_hash] <= 0:
            continue
        candidates = rows_b.get(key, [])
        for i, (hash_b, floats_b) in enumerate(candidates):
            if _close(floats, floats_b, rel_tol):
                pending_a[row_hash] -= 1
                pending_b[hash_b] -= 1
                del candidates[i]
                break
    return +pending_a, +pending_b


def format_report(diffs: Iterable[TableDiff], left: str, right: str) -> str:
    """Return a table of the comparison, one line per table, for people and CI logs."""
    lines = [f"{'table':<48} {left + ' rows':>12} {right + ' rows':>12}  result"]
    for d in diffs:
        if d.identical:
            result = "identical"
        elif d.left_columns != d.right_columns:
            missing = sorted(set(d.left_columns) ^ set(d.right_columns))
            result = f"columns differ: {', '.join(missing)}"
        else:
            result = f"DIFFER: {d.only_left} rows only in {left}, {d.only_right} only in {right}"
        lines.append(f"{d.table:<48} {d.left_rows:>12,} {d.right_rows:>12,}  {result}")
    return "\n".join(lines)


def table_checksums(tables: Mapping[str, pa.Table]) -> dict[str, dict[str, object]]:
    """Return {table: {rows, checksum, columns}}: the before/after record of one engine's build,
    the exact checksum of the values and the columns with their Arrow types, in table order."""
    return {
        name: {
            "rows": t.num_rows,
            "checksum": checksum(row_hashes(t)),
            "columns": [f"{field.name} {field.type}" for field in t.schema],
        }
        for name, t in sorted(tables.items())
    }


def duckdb_tables(path: str, schemas: Sequence[str]) -> dict[str, pa.Table]:
    """Return every table and view of ``schemas`` in a DuckDB file, read-only, as Arrow."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    try:
        listed = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema in (select unnest(?)) order by 1, 2",
            [list(schemas)],
        ).fetchall()
        return {
            f"{schema}.{name}": con.execute(f'select * from "{schema}"."{name}"').to_arrow_table()
            for schema, name in listed
        }
    finally:
        con.close()
