"""`make backfill FROM=2025-01 TO=2025-06`: rebuild a range of months as ONE run.

python -m pipelines.backfill 2025-01 2025-06 [--with-ingest]

Runs the monthly-partitioned assets (panel models, scores, alert list and extracts) with their
checks over the months, then republishes the readers' snapshot: one `dbt build --vars
'{min_month: ..., max_month: ...}'` for the panel, one scoring step, one extract step. The raw
tables and unpartitioned marts are used as they are, unless --with-ingest (everything, as the
nightly run does). Uses the Dagster instance of $DAGSTER_HOME when set, so the run shows in the
UI; the UI's own "Materialize -> partitions -> Launch backfill" does the same.
"""

from __future__ import annotations

import argparse
import os
import sys


def month_key(text: str) -> str:
    """Return the partition key of a month given as YYYY-MM or YYYY-MM-DD.

    >>> month_key("2025-01")
    '2025-01-01'
    """
    return f"{text[:7]}-01"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("first", help="first month, YYYY-MM")
    parser.add_argument("last", help="last month, YYYY-MM")
    parser.add_argument("--with-ingest", action="store_true", help="run every asset")
    args = parser.parse_args(argv)

    import dagster as dg

    from pipelines.definitions import all_assets, all_checks, build_resources
    from pipelines.partitions import all_months, range_tags

    first, last = month_key(args.first), month_key(args.last)
    keys = all_months()
    if first not in keys or last not in keys or first > last:
        parser.error(f"months must be within {keys[0][:7]}..{keys[-1][:7]}, first <= last")
    selection = None
    if not args.with_ingest:
        partitioned = [k for a in all_assets if a.partitions_def is not None for k in a.keys]
        selection = dg.AssetSelection.assets(
            *partitioned, dg.AssetKey(["delivery", "published_warehouse"])
        )
    instance = (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral()
    )
    result = dg.materialize(
        [*all_assets, *all_checks],
        resources=build_resources(),
        instance=instance,
        selection=selection,
        tags=range_tags(first, last),
        raise_on_error=False,
    )
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    print(f"backfill {first[:7]}..{last[:7]}: {'ok' if result.success else f'FAILED {failed}'}")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
