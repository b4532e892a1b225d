"""Nightly schedule, a sensor on new landing files, and run-failure alerts.

Both the schedule and the sensor start ``full_pipeline`` over a range of monthly partitions:
ingest and the unpartitioned models are rebuilt whole, the panel, scores and extracts only for
the months of the range (one dbt build, one scoring step).
"""

import json
import os

import dagster as dg

from pipelines.defs.automation.alerts import failure_alert, send_alert
from pipelines.defs.automation.landing import changed_files, fingerprint, landing_snapshot
from pipelines.partitions import all_months, latest_months, range_tags
from pipelines.settings import landing_root


def nightly_months() -> int:
    """Return how many of the latest months the nightly run rebuilds (EH_NIGHTLY_MONTHS,
    default 3: the month just closed and two before it, which late files still change)."""
    return max(1, int(os.environ.get("EH_NIGHTLY_MONTHS", "3")))


def months_touched(files: list[str], keys: list[str]) -> list[str]:
    """Return the partition keys a run over changed landing ``files`` must rebuild.

    A file under ``<dept>/<YYYYMM>/`` changes that month and, through look-back windows, every
    later one; ``<dept>/<YYYY>/`` (annual reports, filed in that year) changes that year's months
    on; anything else changes every month.

    >>> months_touched(["tax/202501/a.csv"], ["2024-12-01", "2025-01-01", "2025-02-01"])
    ['2025-01-01', '2025-02-01']
    """
    if not keys:
        return []
    firsts = []
    for f in files:
        period = f.split("/")[1] if f.count("/") >= 2 else ""
        if len(period) == 6 and period.isdigit():
            firsts.append(f"{period[:4]}-{period[4:]}-01")
        elif len(period) == 4 and period.isdigit():
            firsts.append(f"{period}-01-01")
        else:
            return keys
    first = min(firsts, default=keys[-1])
    return [k for k in keys if k >= first] or keys[-1:]


def build_automation(job):
    @dg.schedule(
        name="nightly_full_pipeline",
        job=job,
        cron_schedule="0 2 * * *",
        execution_timezone="Asia/Shanghai",
        description="Every night at 02:00 Beijing time: ingest, build, score and deliver the "
        "latest months (EH_NIGHTLY_MONTHS, default 3); older months change only by backfill.",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def nightly_full_pipeline(context: dg.ScheduleEvaluationContext):
        months = latest_months(nightly_months(), context.scheduled_execution_time)
        if not months:
            return dg.SkipReason("no complete month yet")
        return dg.RunRequest(tags=range_tags(months[0], months[-1]))

    @dg.sensor(
        name="new_landing_files",
        job=job,
        minimum_interval_seconds=300,
        description="Starts the pipeline when files arrive or change under the landing zone "
        "(reads names, sizes and times only; the run itself skips unchanged files).",
        default_status=dg.DefaultSensorStatus.STOPPED,
    )
    def new_landing_files(context: dg.SensorEvaluationContext):
        current = landing_snapshot(landing_root())
        previous = json.loads(context.cursor) if context.cursor else {}
        changed = changed_files(previous, current)
        if not changed:
            return dg.SkipReason(f"no new files under {landing_root()}")
        context.update_cursor(json.dumps(current))
        months = months_touched(changed, all_months())
        if not months:
            return dg.SkipReason("no complete month in the partitions yet")
        return dg.RunRequest(
            run_key=fingerprint(current),
            tags={
                "trigger": "new_landing_files",
                "changed_files": str(len(changed)),
                **range_tags(months[0], months[-1]),
            },
        )

    @dg.run_failure_sensor(
        name="run_failure_alert",
        description="Writes every failed run to the alert log and posts it to EH_ALERT_WEBHOOK.",
        default_status=dg.DefaultSensorStatus.RUNNING,
        monitor_all_code_locations=False,
    )
    def run_failure_alert(context: dg.RunFailureSensorContext):
        steps = [e.step_key for e in context.get_step_failure_events() if e.step_key]
        send_alert(
            failure_alert(
                job=context.dagster_run.job_name,
                run_id=context.dagster_run.run_id,
                message=context.failure_event.message or "",
                failed_steps=steps,
            ),
            log=context.log.info,
        )

    return [nightly_full_pipeline], [new_landing_files, run_failure_alert]
