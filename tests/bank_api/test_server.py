"""The real server process (uvicorn, as ``make serve`` runs it): a republished snapshot is
picked up under load without a failed or mixed answer, and kill -9 under load loses no audit
row of an answered request."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import polars as pl
import pytest
import sqlalchemy as sa

from bank_api import audit
from bank_api.sample import build_sample_snapshot
from bank_api.store import Store
from tests.bank_api.conftest import days, latest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp: Path, published) -> None:
        path, frames = published
        self.snapshot = tmp / "published" / "warehouse.duckdb"
        self.snapshot.parent.mkdir()
        shutil.copy(path, self.snapshot)
        self.store = Store(f"sqlite:///{tmp / 'bank.sqlite'}")
        self.store.create_all()
        self.key = self.store.create_key("bank", "icbc-wz", "工商银行温州分行", 1e6, 10**6).api_key
        firms = latest(frames).filter(pl.col("grade_code") != "insufficient")["firm_id"]
        self.firms = firms.to_list()
        self.store.grant_many(
            [
                {"firm_id": f, "bank_id": "icbc-wz", "purpose": "pre_loan"}
                | {"valid_from": days(-1), "valid_until": days(30)}
                for f in self.firms
            ],
            "test",
        )
        self.port = free_port()
        env = {
            **os.environ,
            "EH_PUBLISHED_PATH": str(self.snapshot),
            "EH_BANK_DB_URL": self.store.url,
            "EH_BANK_POLL_SECONDS": "0.2",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bank_api", "serve", "--port", str(self.port)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz").json()["ok"]:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.store.engine.dispose()


@pytest.fixture
def server(tmp_path, published):
    s = Server(tmp_path, published)
    yield s
    s.stop()


def hammer(server: Server, stop: threading.Event, out: list, errors: list, worker: int) -> None:
    """Ask for firms one after another until ``stop``; keep (request id, body) of answers."""
    headers = {"X-API-Key": server.key}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        i = worker
        while not stop.is_set():
            firm = server.firms[i % len(server.firms)]
            i += 7
            try:
                r = client.get(f"/v1/firms/{firm}", params={"purpose": "pre_loan"})
            except httpx.HTTPError as exc:
                errors.append(exc)
                return
            out.append((r.status_code, r.headers.get("x-request-id"), r.json()))


def test_a_republished_snapshot_is_served_without_a_failed_or_mixed_answer(server, published):
    stop = threading.Event()
    answers: list = []
    errors: list = []
    threads = [
        threading.Thread(target=hammer, args=(server, stop, answers, errors, w)) for w in range(4)
    ]
    for t in threads:
        t.start()
    time.sleep(1.0)
    build_sample_snapshot(server.snapshot, firms=120, months=3, seed=1, model_version="sample-2")
    deadline = time.monotonic() + 60  # the new snapshot is loaded in a child process
    while time.monotonic() < deadline and answers[-1][2]["model_version"] != "sample-2":
        time.sleep(0.1)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert answers and all(status == 200 for status, _, _ in answers)
    versions = {}
    for _, _, body in answers:
        assert body["firm"]["model_version"] == body["model_version"]  # one snapshot per answer
        versions.setdefault(body["snapshot_id"], set()).add(body["model_version"])
    assert sorted(v for vs in versions.values() for v in vs) == ["sample-1", "sample-2"]
    assert all(len(vs) == 1 for vs in versions.values())
    assert answers[-1][2]["model_version"] == "sample-2"


def test_kill_9_under_load_loses_no_audit_row_of_an_answered_request(server):
    stop = threading.Event()
    answers: list = []
    errors: list = []
    threads = [
        threading.Thread(target=hammer, args=(server, stop, answers, errors, w)) for w in range(8)
    ]
    for t in threads:
        t.start()
    time.sleep(1.5)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(10)
    stop.set()
    for t in threads:
        t.join()
    answered = {rid for status, rid, _ in answers if status == 200}
    assert len(answered) > 100 and errors  # killed mid-flight: some requests got no answer
    with server.store.engine.connect() as conn:
        audited = {r for (r,) in conn.execute(sa.select(audit.audit_log.c.request_id))}
    assert answered - audited == set()
    assert audit.verify(server.store.engine).ok
