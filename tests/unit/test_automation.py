"""Schedule, landing sensor and run-failure alerts."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg

from pipelines.defs.automation.alerts import failure_alert, send_alert
from pipelines.defs.automation.landing import changed_files, landing_snapshot
from pipelines.partitions import all_months


def test_changed_files_sees_new_and_rewritten_files(tmp_path):
    (tmp_path / "tax" / "202409").mkdir(parents=True)
    first = tmp_path / "tax" / "202409" / "declaration_202409.csv"
    first.write_text("a")
    snap1 = landing_snapshot(tmp_path)
    assert changed_files({}, snap1) == ["tax/202409/declaration_202409.csv"]
    assert changed_files(snap1, landing_snapshot(tmp_path)) == []
    (tmp_path / "tax" / "202410").mkdir()
    (tmp_path / "tax" / "202410" / "declaration_202410.csv").write_text("b")
    first.write_text("a longer correction")
    assert changed_files(snap1, landing_snapshot(tmp_path)) == [
        "tax/202409/declaration_202409.csv",
        "tax/202410/declaration_202410.csv",
    ]


def test_sensor_requests_one_run_per_arrival(tmp_path, monkeypatch):
    from pipelines.definitions import defs

    landing = tmp_path / "landing" / "tax" / "202409"
    landing.mkdir(parents=True)
    monkeypatch.setenv("EH_DATA_ROOT", str(tmp_path))
    sensor = defs.resolve_sensor_def("new_landing_files")
    assert isinstance(sensor(dg.build_sensor_context(cursor=None)), dg.SkipReason)
    (landing / "declaration_202409.csv").write_text("x")
    ctx = dg.build_sensor_context(cursor=None)
    request = sensor(ctx)
    assert isinstance(request, dg.RunRequest)
    assert request.tags["changed_files"] == "1"
    # the run rebuilds the file's month and every later one (look-back windows)
    assert request.tags["dagster/asset_partition_range_start"] == "2024-09-01"
    assert request.tags["dagster/asset_partition_range_end"] == all_months()[-1]
    # the same files again: nothing to do
    assert isinstance(sensor(dg.build_sensor_context(cursor=ctx.cursor)), dg.SkipReason)


def test_nightly_schedule_runs_the_full_pipeline_at_two_beijing_time():
    from pipelines.definitions import defs

    schedule = defs.resolve_schedule_def("nightly_full_pipeline")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "full_pipeline"


def test_failure_alert_goes_to_the_log_and_the_webhook(tmp_path, monkeypatch):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    monkeypatch.setenv("EH_ALERT_LOG", str(tmp_path / "alerts.log"))
    monkeypatch.setenv("EH_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/hook")
    alert = failure_alert(
        "full_pipeline", "run-1", "feed tax_declaration: 1 file rejected", ["raw__tax_declaration"]
    )
    send_alert(alert, log=lambda _m: None)
    thread.join(timeout=5)
    server.server_close()
    logged = [json.loads(line) for line in (tmp_path / "alerts.log").read_text().splitlines()]
    assert logged[0]["failed_steps"] == ["raw__tax_declaration"]
    assert logged[0]["title"].startswith("企业健康诊断流水线运行失败")
    assert received == logged


def test_a_dead_webhook_does_not_lose_the_alert(tmp_path, monkeypatch):
    monkeypatch.setenv("EH_ALERT_LOG", str(tmp_path / "alerts.log"))
    monkeypatch.setenv("EH_ALERT_WEBHOOK", "http://127.0.0.1:9/unreachable")
    messages = []
    send_alert(failure_alert("full_pipeline", "run-2", "boom", []), log=messages.append)
    assert (tmp_path / "alerts.log").exists()
    assert "unreachable" in messages[0]
    assert os.environ["EH_ALERT_WEBHOOK"].endswith("/unreachable")
