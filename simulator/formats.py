"""Number and date formatting as the departments export them (vectorised polars expressions)."""

from __future__ import annotations

import numpy as np
import polars as pl


def _thousands(int_part: pl.Expr) -> pl.Expr:
    # "1234567" -> "1,234,567": group digits from the right (reverse, group, strip, reverse).
    return (
        int_part.cast(pl.String)
        .str.reverse()
        .str.replace_all(r"(\d{3})", "$1,")
        .str.strip_chars_end(",")
        .str.reverse()
    )


def fixed(expr: pl.Expr, decimals: int, thousands: bool = False) -> pl.Expr:
    """Format a float as a fixed-point string (``1234.5`` -> ``"1234.50"`` or ``"1,234.50"``).

    Exact (integer arithmetic, no scientific notation); nulls stay null.
    """
    scale = 10**decimals
    units = (expr * scale).round(0).cast(pl.Int64)
    mag = units.abs()
    int_part = mag // scale
    ip = _thousands(int_part) if thousands else int_part.cast(pl.String)
    parts = [pl.when(units < 0).then(pl.lit("-")).otherwise(pl.lit("")), ip]
    if decimals:
        parts += [pl.lit("."), (mag % scale).cast(pl.String).str.zfill(decimals)]
    return pl.concat_str(parts)


def date_str(expr: pl.Expr, fmt: str = "%Y-%m-%d") -> pl.Expr:
    return expr.dt.strftime(fmt)


def date_series(days: np.ndarray, fmt: str) -> pl.Series:
    """Text dates in ``fmt`` (null for NaT) from an array of datetime64."""
    return pl.Series("d", days.astype("datetime64[D]")).dt.strftime(fmt)


def cn_date(day: np.datetime64 | None) -> str | None:
    """``2025年03月07日`` for a datetime64 day; None stays None."""
    if day is None:
        return None
    d = day.astype("datetime64[D]").item()
    return f"{d.year:04d}年{d.month:02d}月{d.day:02d}日"


def csv_bytes(df: pl.DataFrame, bom: bool = False) -> bytes:
    """CSV with a header, comma separated, ``\\n`` line ends, minimal quoting."""
    text = df.write_csv(include_header=True, quote_style="necessary", null_value="")
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def csv_quoted_amounts(df: pl.DataFrame, quoted: list[str]) -> str:
    """CSV text where the ``quoted`` columns are always quoted (tax amounts ``"1,234.00"``).

    Other fields are quoted only when they contain a comma or a quote.
    """

    def field(name: str) -> pl.Expr:
        col = pl.col(name).cast(pl.String).fill_null("")
        escaped = pl.lit('"') + col.str.replace_all('"', '""', literal=True) + pl.lit('"')
        if name in quoted:
            return escaped
        return pl.when(col.str.contains(r'[",\n]')).then(escaped).otherwise(col)

    header = ",".join(df.columns)
    if df.height == 0:
        return header + "\n"
    lines = df.select(pl.concat_str([field(c) for c in df.columns], separator=",").alias("l"))
    return header + "\n" + "\n".join(lines["l"].to_list()) + "\n"
