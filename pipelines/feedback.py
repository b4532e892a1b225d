"""`make feedback`: ingest the agencies' feedback files now (landing/feedback/) and rebuild the
feedback summary, without waiting for the nightly run.

python -m pipelines.feedback
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.partitions import all_months_tags

    instance = (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral()
    )
    result = defs.resolve_job_def("agency_feedback").execute_in_process(
        instance=instance, tags=all_months_tags(), raise_on_error=False
    )
    import duckdb

    from pipelines.settings import duckdb_path

    with duckdb.connect(str(duckdb_path()), read_only=True) as con:
        files = con.execute(
            "select feed_id, count(*), sum(received), sum(accepted), sum(quarantined) "
            "from raw.ingest_files where feed_id like 'agency_feedback%' and status = 'loaded' "
            "group by 1 order by 1"
        ).fetchall()
        overall = con.execute(
            "select alerts_sent, feedback_received, precision, help_conversion "
            "from delivery.rpt_alert_feedback_summary "
            "where dimension = 'overall' and period_month is null"
        ).fetchall()
    for feed, n, received, accepted, quarantined in files:
        print(
            f"{feed:<22}{n:>5} files {received:>9,} rows: {accepted:,} accepted, "
            f"{quarantined:,} quarantined (raw.quarantine)"
        )
    for sent, answered, precision, helped in overall:
        p = f"{precision:.1%}" if precision is not None else "—"
        print(
            f"alerts sent {sent:,}, answered {answered:,}, precision {p}, "
            f"alert -> help {helped:.1%} (delivery.rpt_alert_feedback_summary)"
        )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
