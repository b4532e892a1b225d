"""Run-failure alerts: a line in a log file, and a POST to a webhook when one is configured.

EH_ALERT_LOG      file to append JSON lines to (default: <EH_OUTPUT_DIR>/alerts/run_failures.log)
EH_ALERT_WEBHOOK  URL that receives the same JSON (optional; e.g. an internal IM robot)
"""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from pipelines.settings import output_dir


def failure_alert(job: str, run_id: str, message: str, failed_steps: list[str]) -> dict:
    """Return the alert for a failed run as a JSON-ready dict (Chinese title for the on-call)."""
    return {
        "title": f"企业健康诊断流水线运行失败: {job}",
        "job": job,
        "run_id": run_id,
        "failed_steps": failed_steps,
        "message": message[:2000],
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def alert_log_path() -> Path:
    return Path(os.environ.get("EH_ALERT_LOG", output_dir() / "alerts" / "run_failures.log"))


def send_alert(alert: dict, log=print) -> None:
    """Append the alert to the log file and POST it to the webhook; never raise."""
    path = alert_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(alert, ensure_ascii=False) + "\n")
    url = os.environ.get("EH_ALERT_WEBHOOK")
    if not url:
        return
    request = urllib.request.Request(
        url,
        data=json.dumps(alert, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            log(f"alert posted to webhook: HTTP {response.status}")
    except Exception as exc:  # the alert is in the log file; a dead webhook must not hide it
        log(f"webhook {url} unreachable: {exc}")
