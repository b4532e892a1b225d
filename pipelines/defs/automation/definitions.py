"""Nightly schedule, a sensor on new landing files, and run-failure alerts."""

import json

import dagster as dg

from pipelines.defs.automation.alerts import failure_alert, send_alert
from pipelines.defs.automation.landing import changed_files, fingerprint, landing_snapshot
from pipelines.settings import landing_root


def build_automation(job):
    nightly = dg.ScheduleDefinition(
        name="nightly_full_pipeline",
        job=job,
        cron_schedule="0 2 * * *",
        execution_timezone="Asia/Shanghai",
        description="Every night at 02:00 Beijing time: ingest, build, score, deliver.",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )

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
        return dg.RunRequest(
            run_key=fingerprint(current),
            tags={"trigger": "new_landing_files", "changed_files": str(len(changed))},
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

    return [nightly], [new_landing_files, run_failure_alert]
