"""Fixtures of the bank service tests: a small published snapshot built by the scoring library,
a store (SQLite in a temporary folder; PostgreSQL too when EH_TEST_PG_URL is set) and an
in-process client with keys and consents."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import polars as pl
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from bank_api import audit
from bank_api.app import create_app
from bank_api.db import today_china
from bank_api.sample import build_sample_snapshot
from bank_api.service import Settings
from bank_api.store import Store, metadata

PG_URL = os.environ.get("EH_TEST_PG_URL")


@pytest.fixture(scope="session")
def published(tmp_path_factory):
    """(path of the published snapshot, its tables) with 120 firms x 3 months."""
    path = tmp_path_factory.mktemp("published") / "warehouse.duckdb"
    frames = build_sample_snapshot(path, firms=120, months=3, seed=1, model_version="sample-1")
    return path, frames


def reset(store: Store) -> None:
    """Drop and create every table of the store (PostgreSQL tests share one database)."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("drop table if exists audit_log")
    audit.audit_metadata.drop_all(store.engine)
    metadata.drop_all(store.engine)
    store.create_all()


def _backends():
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.fixture(params=_backends())
def store(request, tmp_path):
    """An empty store on SQLite, then on PostgreSQL (skipped only when EH_TEST_PG_URL is not
    set; set and unreachable fails)."""
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'bank.sqlite'}")
    else:
        if not PG_URL:
            pytest.skip("EH_TEST_PG_URL not set (CI sets it: .ci/run starts PostgreSQL)")
        s = Store(PG_URL)
    reset(s)
    yield s
    s.engine.dispose()


def days(n: int) -> str:
    return (today_china() + dt.timedelta(days=n)).isoformat()


@dataclass
class World:
    """A running app with keys and consents, and the snapshot's tables."""

    client: TestClient
    app: object
    store: Store
    frames: dict[str, pl.DataFrame]
    bank: str  # key of bank icbc-wz
    other_bank: str  # key of bank abc-wz (no consents)
    firm_key: str  # key of the firm ``healthy``
    official: str
    healthy: str  # a firm with a score, consented to icbc-wz for pre_loan
    insufficient: str  # a 数据不足 firm, consented
    unconsented: str  # a scored firm without consent

    def get(self, url, key=None, **kw):
        headers = {"X-API-Key": key if key is not None else self.bank}
        return self.client.get(url, headers=headers, **kw)

    def post(self, url, key=None, **kw):
        headers = {"X-API-Key": key if key is not None else self.bank}
        return self.client.post(url, headers=headers, **kw)


def latest(frames) -> pl.DataFrame:
    scores = frames["scoring.firm_health_scores"]
    return scores.filter(pl.col("period_month") == scores["period_month"].max())


def make_world(published, store: Store) -> World:
    path, frames = published
    rows = latest(frames)
    scored = rows.filter(pl.col("grade_code") != "insufficient")["firm_id"].to_list()
    insufficient = rows.filter(pl.col("grade_code") == "insufficient")["firm_id"][0]
    bank = store.create_key("bank", "icbc-wz", "工商银行温州分行", 1000, 1000).api_key
    other = store.create_key("bank", "abc-wz", "农业银行温州分行", 1000, 1000).api_key
    firm_key = store.create_key("firm", scored[0], "温州样例制造有限公司", 1000, 1000).api_key
    official = store.create_key("official", "wz-finance", "温州市金融办", 1000, 1000).api_key
    for firm in (scored[0], scored[1], insufficient):
        store.grant_consent(firm, "icbc-wz", "pre_loan", days(-30), days(300), "test")
    settings = Settings(published_path=path, db_url=store.url, poll_seconds=0, refresh_seconds=0)
    app = create_app(settings)
    client = TestClient(app)
    return World(
        client,
        app,
        store,
        frames,
        bank,
        other,
        firm_key,
        official,
        scored[0],
        insufficient,
        scored[5],
    )


@pytest.fixture
def world(published, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'bank.sqlite'}")
    store.create_all()
    w = make_world(published, store)
    with w.client:
        yield w
    store.engine.dispose()


def audit_rows(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        query = sa.select(audit.audit_log).order_by(audit.audit_log.c.seq)
        return [dict(r._mapping) for r in conn.execute(query)]
