"""Load benchmark of the bank service: single-firm lookups with wrk on loopback while the
snapshot is republished once, then batches of 1,000 firms. Prints throughput, latency
percentiles, errors and whether every answered request was audited.

    python benchmarks/bank_api_load.py [--published data/published/warehouse.duckdb]
        [--duration 60] [--connections 32] [--workers 1] [--republish-at 30]
    python benchmarks/bank_api_load.py --sample-firms 20000   # no published snapshot needed

It copies the published snapshot to a temporary folder (the service reads that copy), creates
a store there (SQLite WAL, or ``--db URL``) with one bank key and a consent for every firm,
starts ``python -m bank_api serve`` (what ``make serve`` runs) and drives it with wrk (Debian
package ``wrk``) asking for random firms. Mid-run it republishes the snapshot through
``pipelines.publish.publish_snapshot`` (the pipeline's own publishing step: a full copy and an
atomic rename) and reports when the service switched. Targets (issue 10, printed, not
asserted): >= 3,000 lookups/s for 60 s with p99 <= 20 ms and zero errors; a batch of 1,000 in
under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bank_api import audit  # noqa: E402
from bank_api.db import today_china  # noqa: E402
from bank_api.sample import TABLES, build_sample_snapshot  # noqa: E402
from bank_api.store import Store  # noqa: E402
from pipelines.publish import publish_snapshot  # noqa: E402

WRK_SCRIPT = r"""
local firms = {}
for line in io.lines(os.getenv("EH_BENCH_FIRMS")) do firms[#firms + 1] = line end
local key = os.getenv("EH_BENCH_KEY")
math.randomseed(os.time())
request = function()
  local firm = firms[math.random(#firms)]
  return wrk.format("GET", "/v1/firms/" .. firm .. "?purpose=pre_loan", {["X-API-Key"] = key})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_JSON {\"requests\": %d, \"duration_us\": %d, \"connect\": %d, \"read\": %d, " ..
    "\"write\": %d, \"status\": %d, \"timeout\": %d, \"p50_us\": %d, \"p90_us\": %d, " ..
    "\"p99_us\": %d, \"p999_us\": %d, \"max_us\": %d}\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def firm_ids(path: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select firm_id from scoring.firm_health_scores qualify row_number() over "
            "(partition by firm_id order by period_month desc) = 1 "
            "and grade_code <> 'insufficient' order by firm_id"
        ).fetchall()
    return [r[0] for r in rows]


def wait_ready(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).json()["ok"]:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not start")


def snapshot_id(url: str, key: str) -> str:
    return httpx.get(f"{url}/v1/snapshot", headers={"X-API-Key": key}).json()["snapshot_id"]


def republish(source: Path, target: Path, url: str, key: str, at: float, report: dict) -> None:
    """At ``at`` seconds into the run, republish and note when the service switched."""
    time.sleep(at)
    before = snapshot_id(url, key)
    started = time.monotonic()
    publish_snapshot(source, target, TABLES)
    report["publish_seconds"] = time.monotonic() - started
    while time.monotonic() - started < 120:
        if snapshot_id(url, key) != before:
            report["switched_after_seconds"] = time.monotonic() - started
            report["from"], report["to"] = before, snapshot_id(url, key)
            return
        time.sleep(0.1)


def batch_times(url: str, key: str, firms: list[str], n: int = 5) -> list[float]:
    times = []
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30) as client:
        for i in range(n):
            chunk = (firms[i * 1000 :] + firms)[:1000]
            started = time.perf_counter()
            r = client.post("/v1/firms/batch", json={"purpose": "pre_loan", "firm_ids": chunk})
            times.append(time.perf_counter() - started)
            ok = sum(item["status"] == "ok" for item in r.json()["items"])
            assert r.status_code == 200 and ok == 1000, (r.status_code, ok)
    return times


def main() -> int:
    from pipelines.settings import published_path

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--published", type=Path, default=published_path())
    parser.add_argument("--sample-firms", type=int, default=0, help="use a sample snapshot")
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--republish-at", type=float, default=30.0, help="-1: no republish")
    parser.add_argument("--db", help="store URL (default: SQLite in the temporary folder)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk not found: apt-get install -y wrk", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="bank_bench_"))
    try:
        source = tmp / "source.duckdb"  # what "the pipeline" publishes from
        target = tmp / "published" / "warehouse.duckdb"  # what the service reads
        started = time.monotonic()
        if args.sample_firms:
            build_sample_snapshot(source, firms=args.sample_firms, months=12)
        else:
            shutil.copy(args.published, source)
        publish_snapshot(source, target, TABLES)
        firms = firm_ids(target)
        print(
            f"snapshot: {len(firms):,} scored firms, {target.stat().st_size / 1e6:,.0f} MB "
            f"(from {'a sample' if args.sample_firms else args.published}), "
            f"prepared in {time.monotonic() - started:.1f} s"
        )

        store = Store(args.db or f"sqlite:///{tmp / 'bank.sqlite'}")
        store.create_all()
        key = store.create_key("bank", "bench-bank", "压测银行", 1e9, 10**9).api_key
        today = today_china()
        store.grant_many(
            [
                {
                    "firm_id": f,
                    "bank_id": "bench-bank",
                    "purpose": "pre_loan",
                    "valid_from": today.isoformat(),
                    "valid_until": f"{today.year + 1}-12-31",
                }
                for f in firms
            ],
            "benchmark",
        )
        (tmp / "firms.txt").write_text("\n".join(firms) + "\n")
        (tmp / "bench.lua").write_text(WRK_SCRIPT)

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "EH_PUBLISHED_PATH": str(target),
            "EH_BANK_DB_URL": store.url,
            "EH_BENCH_FIRMS": str(tmp / "firms.txt"),
            "EH_BENCH_KEY": key,
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bank_api",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp / "server.log", "w"),
        )
        try:
            wait_ready(url)
            # warm-up, not counted
            subprocess.run(
                ["wrk", "-t1", "-c8", "-d2s", "-s", str(tmp / "bench.lua"), url],
                env=env,
                capture_output=True,
                check=True,
            )
            with store.engine.connect() as conn:
                audited_before = conn.execute(
                    sa.select(sa.func.count()).select_from(audit.audit_log)
                ).scalar_one()
            swap: dict = {}
            republisher = threading.Thread(
                target=republish, args=(source, target, url, key, args.republish_at, swap)
            )
            if args.republish_at >= 0:
                republisher.start()
            print(
                f"wrk: {args.threads} thread(s), {args.connections} connections, "
                f"{args.duration} s, {args.workers} server worker(s), "
                f"republish at {args.republish_at:.0f} s, {os.cpu_count()} cores"
            )
            run = subprocess.run(
                [
                    "wrk",
                    f"-t{args.threads}",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "--latency",
                    "-s",
                    str(tmp / "bench.lua"),
                    url,
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            if args.republish_at >= 0:
                republisher.join()
            line = next(x for x in run.stdout.splitlines() if x.startswith("WRK_JSON"))
            wrk = json.loads(line.split(" ", 1)[1])
            with store.engine.connect() as conn:
                audited = conn.execute(
                    sa.select(sa.func.count()).select_from(audit.audit_log)
                ).scalar_one()
            audited -= audited_before
            times = batch_times(url, key, firms)
        finally:
            server.terminate()
            server.wait(30)
        verification = audit.verify(store.engine)

        seconds = wrk["duration_us"] / 1e6
        errors = wrk["connect"] + wrk["read"] + wrk["write"] + wrk["status"] + wrk["timeout"]
        print("\nsingle-firm lookups (GET /v1/firms/{id}?purpose=pre_loan)")
        print(
            f"  requests      {wrk['requests']:,} in {seconds:.1f} s = "
            f"{wrk['requests'] / seconds:,.0f} /s   (target >= 3,000 /s)"
        )
        print(
            f"  latency       p50 {wrk['p50_us'] / 1000:.2f} ms   p90 {wrk['p90_us'] / 1000:.2f} ms"
            f"   p99 {wrk['p99_us'] / 1000:.2f} ms (target <= 20 ms)   p99.9 "
            f"{wrk['p999_us'] / 1000:.2f} ms   max {wrk['max_us'] / 1000:.1f} ms"
        )
        print(
            f"  errors        {errors} (connect {wrk['connect']}, read {wrk['read']}, "
            f"write {wrk['write']}, non-2xx {wrk['status']}, timeout {wrk['timeout']})"
        )
        print(
            f"  audited       {audited:,} rows for {wrk['requests']:,} answers; chain "
            f"{'intact' if verification.ok else 'BROKEN: ' + '; '.join(verification.problems)}"
            f" ({verification.rows:,} rows)"
        )
        if args.republish_at < 0:
            print("  republish     none in this run (--republish-at -1)")
        elif "switched_after_seconds" in swap:
            print(
                f"  republish     publish_snapshot took {swap['publish_seconds']:.1f} s; service "
                f"switched {swap['switched_after_seconds']:.1f} s after it started "
                f"({swap['from']} -> {swap['to']})"
            )
        else:
            print(f"  republish     NOT picked up during the run ({swap})")
        print("\nbatch of 1,000 firms (POST /v1/firms/batch), idle server, 5 runs")
        print(
            f"  median {statistics.median(times) * 1000:.0f} ms   max {max(times) * 1000:.0f} ms"
            "   (target < 1 s)"
        )
        store.engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
