"""Type a raw landing frame against its contract and split it into accepted and quarantined rows.

All checks are vectorised polars expressions so a 1M-row file validates in seconds. Each
rejected row keeps its first problem as ``reason_code`` (machine) and ``reason`` (person).
"""

from __future__ import annotations

import polars as pl

from ingest.contracts import Column, FeedContract
from ingest.uscc import _WEIGHTS, USCC_ALPHABET

_DTYPES = {
    "uscc": pl.String,
    "text": pl.String,
    "int": pl.Int64,
    "decimal": pl.Float64,
    "date_iso": pl.Date,
    "date_compact": pl.Date,
    "date_cn": pl.Date,
    "period_cn": pl.Date,
    "year": pl.Int32,
    "month_compact": pl.Date,
}


def column_dtype(column: Column) -> pl.DataType:
    """Return the polars type a contract column is stored as."""
    return _DTYPES[column.type]


def _number(raw: pl.Expr) -> pl.Expr:
    cleaned = raw.str.replace_all(",", "", literal=True).str.replace_all(" ", "", literal=True)
    value = cleaned.cast(pl.Float64, strict=False)
    return pl.when(value.is_finite()).then(value)


def _parse(column: Column, raw: pl.Expr) -> pl.Expr:
    t = column.type
    if t in ("text", "uscc"):
        return raw
    if t == "decimal":
        return _number(raw)
    if t == "int":
        value = _number(raw)
        return pl.when(value == value.floor()).then(value).cast(pl.Int64)
    if t == "year":
        value = raw.cast(pl.Int32, strict=False)
        return pl.when(value.is_between(1900, 2100)).then(value)
    if t == "date_iso":
        return raw.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    if t == "date_compact":
        return raw.str.strptime(pl.Date, "%Y%m%d", strict=False)
    if t == "month_compact":
        value = (raw + pl.lit("01")).str.strptime(pl.Date, "%Y%m%d", strict=False)
        return pl.when(raw.str.contains(r"^\d{6}$")).then(value)
    if t == "date_cn":
        parts = raw.str.extract_groups(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
        return _ymd(parts.struct.field("1"), parts.struct.field("2"), parts.struct.field("3"))
    if t == "period_cn":
        # 2024年3月 or 2024年1-2月: the period ends in (and is keyed on) its last month.
        parts = raw.str.extract_groups(r"^(\d{4})年(?:\d{1,2}-)?(\d{1,2})月$")
        return _ymd(parts.struct.field("1"), parts.struct.field("2"), pl.lit("1"))
    raise ValueError(f"unknown column type {t}")


def _ymd(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    text = pl.concat_str([y, m.str.zfill(2), d.str.zfill(2)], separator="-")
    return text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def uscc_is_valid(raw: pl.Expr) -> pl.Expr:
    """Return an expression: True where the string is a USCC with a correct check character."""
    value_of = {c: i for i, c in enumerate(USCC_ALPHABET)}
    digits = [
        raw.str.slice(i, 1).replace_strict(value_of, default=None, return_dtype=pl.Int32)
        for i in range(17)
    ]
    total = pl.sum_horizontal([d * w for d, w in zip(digits, _WEIGHTS, strict=True)])
    expected = ((31 - total % 31) % 31).replace_strict(
        dict(enumerate(USCC_ALPHABET)), default=None, return_dtype=pl.String
    )
    all_known = pl.all_horizontal([d.is_not_null() for d in digits])
    return ((raw.str.len_chars() == 18) & all_known & (expected == raw.str.slice(17, 1))).fill_null(
        False
    )


def _problem(column: Column, raw: pl.Expr, parsed: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Return (reason_code, reason) expressions, null where the value is fine."""
    empty = raw.is_null() | (raw == "")
    label = column.header
    checks: list[tuple[pl.Expr, str, pl.Expr]] = []
    if column.required:
        checks.append((empty, "missing_value", pl.lit(f"missing value in {label}")))
    if column.type == "uscc":
        checks.append(
            (
                ~empty & ~uscc_is_valid(raw),
                "bad_uscc",
                pl.format(
                    "invalid USCC in {}: {} fails the GB 32100 check character", pl.lit(label), raw
                ),
            )
        )
    elif column.type in ("decimal", "int"):
        checks.append(
            (
                ~empty & parsed.is_null(),
                "unparseable_number",
                pl.format("unparseable number in {}: {}", pl.lit(label), raw),
            )
        )
    elif column.type != "text":
        checks.append(
            (
                ~empty & parsed.is_null(),
                "bad_date",
                pl.format("unparseable {} in {}: {}", pl.lit(column.type), pl.lit(label), raw),
            )
        )
    if column.allowed:
        checks.append(
            (
                ~empty & ~raw.is_in(list(column.allowed)),
                "not_allowed",
                pl.format(
                    "{} must be one of {}: got {}",
                    pl.lit(label),
                    pl.lit("/".join(column.allowed)),
                    raw,
                ),
            )
        )
    code = pl.lit(None, dtype=pl.String)
    text = pl.lit(None, dtype=pl.String)
    for cond, c, t in reversed(checks):
        code = pl.when(cond).then(pl.lit(c)).otherwise(code)
        text = pl.when(cond).then(t).otherwise(text)
    return code, text


def validate(raw: pl.DataFrame, contract: FeedContract) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a raw frame into (accepted typed rows, quarantined rows).

    Accepted rows have the contract's typed columns plus ``_line``. Quarantined rows have
    ``_line``, ``reason_code``, ``reason`` and ``raw_row`` (the row as JSON, original values).
    Exact repeats of an earlier row in the same file are quarantined as ``duplicate_row``.
    """
    names = [c.name for c in contract.columns]
    parsed_exprs = []
    codes, reasons = [], []
    for col in contract.columns:
        raw_expr = pl.col(col.name)
        parsed = _parse(col, raw_expr)
        parsed_exprs.append(parsed.alias(col.name))
        code, reason = _problem(col, raw_expr, parsed)
        codes.append(code)
        reasons.append(reason)

    first_line = pl.col("_line").min().over(names)
    is_repeat = pl.col("_line") != first_line
    checked = raw.with_columns(
        pl.coalesce([*codes, pl.when(is_repeat).then(pl.lit("duplicate_row"))]).alias(
            "reason_code"
        ),
        pl.coalesce(
            [*reasons, pl.when(is_repeat).then(pl.format("duplicate of line {}", first_line))]
        ).alias("reason"),
    )
    bad = checked.filter(pl.col("reason_code").is_not_null())
    quarantined = bad.select(
        "_line",
        "reason_code",
        "reason",
        pl.struct([pl.col(c.name).alias(c.header) for c in contract.columns])
        .struct.json_encode()
        .alias("raw_row"),
    )
    accepted = (
        checked.filter(pl.col("reason_code").is_null())
        .select([*parsed_exprs, "_line"])
        .with_columns([pl.col(c.name).cast(column_dtype(c)) for c in contract.columns])
    )
    return accepted, quarantined
