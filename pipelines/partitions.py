"""Monthly partitions of the firm-month panel and everything computed from it.

One partition per calendar month (key "2025-01-01", the month's first day, as ``period_month``
stores it), from EH_PARTITION_START (default 2023-10-01, the first month `make demo` simulates)
to the last complete month. Ingest, staging, dim_firm and the annual-report marts are not
partitioned: they are rebuilt whole in the same run.

A run covers a range of months (one month, the latest few, or all of them). dbt receives the
range as ``--vars '{min_month: ..., max_month: ...}'`` (dbt_project/macros/month_partition.sql);
scoring and the extract work through the same months.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings

import dagster as dg

# single-run backfills are what we want; Dagster marks the parameter beta
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=dg.BetaWarning)

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_start() -> str:
    """Return the first month (YYYY-MM-01) of the partitions: EH_PARTITION_START."""
    return os.environ.get("EH_PARTITION_START", "2023-10-01")


# end_offset=0: the last partition is the last complete month (today's month is still open).
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=partition_start(), end_offset=0)


def month_vars(first: str, last: str) -> dict[str, str]:
    """Return the dbt vars that restrict incremental panel models to months ``first..last``.

    >>> month_vars("2025-01-01", "2025-06-01")
    {'min_month': '2025-01-01', 'max_month': '2025-06-01'}
    """
    return {"min_month": str(first)[:10], "max_month": str(last)[:10]}


def range_tags(first: str, last: str) -> dict[str, str]:
    """Return the run tags that make one run cover partitions ``first..last`` (inclusive)."""
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def all_months() -> list[str]:
    """Return every partition key, first to last."""
    return monthly_partitions.get_partition_keys()


def all_months_tags() -> dict[str, str]:
    """Return the run tags of a run over every month (what `make demo` and the tests run)."""
    keys = all_months()
    return range_tags(keys[0], keys[-1])


def latest_months(n: int, now: dt.datetime | None = None) -> list[str]:
    """Return the last ``n`` partition keys as of ``now`` (the nightly run's months)."""
    keys = monthly_partitions.get_partition_keys(current_time=now)
    return keys[-n:]


def window_months(context: dg.AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """Return the first and last month (first days) a partitioned step works on."""
    keys = context.partition_key_range
    return dt.date.fromisoformat(keys.start), dt.date.fromisoformat(keys.end)
