"""What a feed contract says: the column types, one landing column, one feed (its files, its
encoding, its key, its period column). The contracts themselves are in ``ingest.contracts``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Value types a landing column can have. Each maps to a parser in ingest.validate.
COLUMN_TYPES = {
    "uscc",  # 18-character unified social credit code, check character verified
    "text",  # free text, stripped
    "int",  # whole number, may carry thousands separators
    "decimal",  # amount, may carry thousands separators; stored as DOUBLE
    "date_iso",  # 2024-03-15
    "date_compact",  # 20240315
    "date_cn",  # 2024年03月15日
    "period_cn",  # statistics report period: 2024年3月, 2024年1-2月 -> first day of the last month
    "year",  # 2024
    "month_compact",  # 202403 -> 2024-03-01 (a billing or contribution month)
}


@dataclass(frozen=True)
class Column:
    """One landing column: the department's header, our name, its type, whether it may be empty."""

    header: str
    name: str
    type: str
    required: bool = True
    allowed: tuple[str, ...] | None = None
    # Plausible values (ingest.validate.bounds gives the defaults by type and unit): numbers
    # may be negative only when ``signed``; dates run from 1949 to the delivery plus a grace
    # period, plus ``years_ahead`` for dates that lie in the future (expiry, publicity end).
    signed: bool = False
    max_value: float | None = None
    max_length: int | None = None
    years_ahead: int = 0

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Freshness:
    """When a feed is late: its latest business date (``loaded_at``, a SQL expression over the
    contract's columns) older than ``warn_days`` warns, older than ``error_days`` fails. Written
    into dbt's sources YAML (``python -m ingest.generate``), read there by `dbt source freshness`
    and the Dagster freshness check."""

    loaded_at: str
    warn_days: int
    error_days: int


@dataclass(frozen=True)
class AsOf:
    """What the department's records said at a month's end (the point-in-time rule of a feed).

    A record is known from its ``dated_by`` column: from that month on when ``monthly`` (a
    monthly figure is read at its own month's end, the warehouse's convention), else from that
    date. Each of ``changes`` (a removal, closing, grant, lapse, rectification) is known only from
    its own date: before it the column was empty, and ``while_pending`` gives the value other
    columns had meanwhile, e.g. ``(("case_status", "执行中"),)`` for a case closed later.
    ``tests/integration/test_no_look_ahead.py`` rewrites the raw tables by these rules and
    checks that no indicator row of an earlier month changes."""

    dated_by: str
    monthly: bool = False
    changes: tuple[str, ...] = ()
    while_pending: tuple[tuple[str, str], ...] = ()

    def columns(self) -> set[str]:
        return {self.dated_by, *self.changes, *(c for c, _ in self.while_pending)}


@dataclass(frozen=True)
class FeedContract:
    """How one department feed arrives and what a valid row looks like."""

    feed_id: str
    department: str
    department_zh: str
    department_en: str  # the department's name for people (docs/departments.md, docs/feeds.md)
    title_zh: str
    file_pattern: str  # regex on the file name; group "period" is the period the file covers
    format: str  # csv | xlsx | json
    encoding: str  # for csv/json: utf-8, utf-8-sig (BOM optional) or gbk
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # columns that identify one record (later deliveries win in staging)
    sheet: str | None = None
    description: str = ""
    freshness: Freshness | None = None
    # The column whose month (or year, for a yearly file) must be the period in the file name.
    period_column: str | None = None
    # How rows sharing the key but differing elsewhere are settled within one delivery:
    # None quarantines every version (conflicting_duplicate); "latest:<column>" keeps the row
    # with the latest value of <column> (e.g. an amended annual report filed later).
    duplicate_rule: str | None = None
    # The point-in-time rule (what was known at a month's end); every landing feed declares one.
    as_of: AsOf | None = None
    _regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(self.file_pattern))
        names = [c.name for c in self.columns]
        missing = [k for k in self.key if k not in names]
        if missing:
            raise ValueError(f"feed {self.feed_id}: key columns {missing} are not columns")
        if self.format not in {"csv", "xlsx", "json"}:
            raise ValueError(f"feed {self.feed_id}: unknown format {self.format!r}")
        if self.period_column is not None and self.period_column not in names:
            raise ValueError(f"feed {self.feed_id}: period column {self.period_column} unknown")
        if self.freshness is not None and not set(
            re.findall(r"[a-z_]+", self.freshness.loaded_at)
        ) & set(names):
            raise ValueError(f"feed {self.feed_id}: freshness reads none of its columns")
        if self.as_of is not None and self.as_of.columns() - set(names):
            unknown = sorted(self.as_of.columns() - set(names))
            raise ValueError(f"feed {self.feed_id}: as_of names unknown columns {unknown}")
        if self.duplicate_rule is not None:
            kind, _, column = self.duplicate_rule.partition(":")
            if kind != "latest" or column not in names:
                raise ValueError(f"feed {self.feed_id}: bad duplicate rule {self.duplicate_rule}")

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def match(self, file_name: str) -> str | None:
        """Return the period a file covers if its name belongs to this feed, else None."""
        m = self._regex.fullmatch(file_name)
        return m.group("period") if m else None

    def slot(self, file_name: str) -> str | None:
        """Return what a file is a version of: the period and any other named part of its name
        except ``part`` (the pieces of one delivery), e.g. ``agency=tax;period=202509``."""
        m = self._regex.fullmatch(file_name)
        if m is None:
            return None
        groups = {k: v for k, v in m.groupdict().items() if k != "part"}
        return ";".join(f"{k}={groups[k]}" for k in sorted(groups))
