"""The service's state and the logic of its answers (the HTTP routes are in ``app.py``).

Every authenticated request ends in ``respond``: its audit rows are handed to the group-commit
writer and the answer leaves only once they are committed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from starlette.responses import Response

from bank_api.access import Directory, Principal, RateLimiter
from bank_api.audit import AuditWriter
from bank_api.db import checkpoint, now_utc, today_china
from bank_api.errors import ApiError
from bank_api.snapshot import Snapshot, SnapshotHolder
from bank_api.store import PURPOSES, Store
from ingest.uscc import is_valid_uscc
from reports.render import firm_pages

log = logging.getLogger("bank_api")
BATCH_MAX = 1000
JSON = "application/json"
HTML = "text/html; charset=utf-8"
REPORT_NOT_FOR_BANKS = (
    "企检报告含各部门原始数据，银行请使用评分接口 /v1/firms/{firm_id}（可用不可见）"
)


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass
class Settings:
    """Run configuration, from environment variables by default."""

    published_path: Path = field(default_factory=lambda: _published_default())
    db_url: str | None = field(default_factory=lambda: os.environ.get("EH_BANK_DB_URL"))
    # How often the published file is checked for a new snapshot, and the store for changed
    # keys and consents (0: before every request).
    poll_seconds: float = field(default_factory=lambda: _env_float("EH_BANK_POLL_SECONDS", 1.0))
    refresh_seconds: float = field(
        default_factory=lambda: _env_float("EH_BANK_REFRESH_SECONDS", 0.5)
    )
    # SQLite: how often the WAL is checkpointed (fsynced into the database file).
    checkpoint_seconds: float = field(
        default_factory=lambda: _env_float("EH_BANK_CHECKPOINT_SECONDS", 1.0)
    )


def _published_default() -> Path:
    from pipelines.settings import published_path

    return published_path()


def new_request_id() -> str:
    return os.urandom(8).hex()


def consent_status(row: dict, today: str) -> str:
    """Return active / expired / not_yet_valid / revoked for a consent row on ``today``."""
    if row["revoked_at"] is not None:
        return "revoked"
    if today < row["valid_from"]:
        return "not_yet_valid"
    if today > row["valid_until"]:
        return "expired"
    return "active"


def consent_body(row: dict) -> dict:
    fields = [
        "consent_id",
        "firm_id",
        "bank_id",
        "purpose",
        "valid_from",
        "valid_until",
        "evidence",
        "granted_at",
        "granted_by",
        "revoked_at",
        "revoked_by",
    ]
    out = {f: row[f] for f in fields}
    out["purpose_name"] = PURPOSES.get(row["purpose"], row["purpose"])
    out["status"] = consent_status(row, today_china().isoformat())
    return out


class Context:
    """One authenticated request: its id, the key's owner and the one snapshot it reads."""

    __slots__ = ("request_id", "principal", "snapshot", "endpoint")

    def __init__(self, request_id: str, principal: Principal, snapshot, endpoint: str) -> None:
        self.request_id = request_id
        self.principal = principal
        self.snapshot: Snapshot | None = snapshot
        self.endpoint = endpoint


class Service:
    """Snapshot, store, key and consent directory, rate limits and the audit writer."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.store = Store(self.settings.db_url, service=True)
        self.holder = SnapshotHolder(self.settings.published_path, self.settings.poll_seconds)
        self.directory = Directory(self.store, self.settings.refresh_seconds)
        self.limiter = RateLimiter()
        self.writer = AuditWriter(self.store.engine)
        self._users = 0
        self._checkpoints: threading.Event | None = None

    def start(self) -> None:
        """Start (or join) the running service; ``stop`` ends it when the last user leaves (a
        test client may run the app's lifespan once per call)."""
        self._users += 1
        if self._users > 1:
            return
        # The audit writer thread and the event loop hand the GIL to each other on every
        # batch; Python's default 5 ms switch interval would add up to 5 ms to each answer.
        sys.setswitchinterval(0.0005)
        try:
            self.store.create_all()
        except Exception:  # several workers starting together: one of them created them
            log.warning("tables not created by this process", exc_info=True)
        self.directory.refresh(force=True)
        self.holder.start()
        self.writer.start()
        if self.store.is_sqlite:
            self._checkpoints = threading.Event()
            threading.Thread(
                target=self._checkpointer, args=(self._checkpoints,), daemon=True
            ).start()

    def _checkpointer(self, stop: threading.Event) -> None:
        while not stop.wait(self.settings.checkpoint_seconds):
            try:
                checkpoint(self.store.engine)
            except Exception:
                log.warning("WAL checkpoint failed", exc_info=True)

    def stop(self) -> None:
        self._users -= 1
        if self._users == 0:
            self.holder.stop()
            self.writer.stop()
            if self._checkpoints is not None:
                self._checkpoints.set()
                checkpoint(self.store.engine)

    # requests -----------------------------------------------------------------------------
    def begin(self, api_key: str | None, endpoint: str, cost: float = 1.0) -> Context:
        """Authenticate and rate-limit; raise ApiError (401 / 429, not audited) otherwise."""
        principal = self.directory.authenticate(api_key)
        self.limiter.take(principal, cost)
        return Context(new_request_id(), principal, self.holder.current, endpoint)

    def require_snapshot(self, ctx: Context) -> Snapshot:
        if ctx.snapshot is None:
            raise ApiError("snapshot_unavailable")
        return ctx.snapshot

    def audit_row(self, ctx: Context, firm_id, purpose, status: int, outcome: str) -> dict:
        p = ctx.principal
        return {
            "at": now_utc(),
            "request_id": ctx.request_id,
            "key_id": p.key_id,
            "principal_kind": p.kind,
            "principal_id": p.principal_id,
            "firm_id": firm_id,
            "purpose": purpose,
            "endpoint": ctx.endpoint,
            "http_status": status,
            "outcome": outcome,
            "snapshot_id": ctx.snapshot.snapshot_id if ctx.snapshot else None,
        }

    async def respond(
        self, ctx: Context, body: bytes, status: int, rows: list[dict], media_type: str = JSON
    ) -> Response:
        """Commit the audit rows, then return the answer (503 if they cannot be committed)."""
        try:
            await self.writer.write(rows)
        except Exception:
            log.exception("audit write failed; request %s not answered", ctx.request_id)
            return self.error_response(ApiError("audit_unavailable"), ctx.snapshot, ctx.request_id)
        return Response(body, status, {"X-Request-ID": ctx.request_id}, media_type=media_type)

    async def fail(self, ctx: Context, error: ApiError, firm_id=None, purpose=None) -> Response:
        """Answer an error of an authenticated request, audited like any answer."""
        row = self.audit_row(ctx, firm_id, purpose, error.status, error.code)
        try:
            await self.writer.write([row])
        except Exception:
            log.exception("audit write failed; request %s not answered", ctx.request_id)
            error = ApiError("audit_unavailable")
        return self.error_response(error, ctx.snapshot, ctx.request_id)

    def error_response(
        self, error: ApiError, snapshot: Snapshot | None = None, request_id: str | None = None
    ) -> Response:
        snapshot = snapshot if snapshot is not None else self.holder.current
        request_id = request_id or new_request_id()
        body = {
            "request_id": request_id,
            **(
                snapshot.meta
                if snapshot
                else dict.fromkeys(("as_of_month", "model_version", "snapshot_id"))
            ),
            "error": {"code": error.code, "message": error.message, "detail": error.detail},
        }
        headers = {"X-Request-ID": request_id, **error.headers}
        return Response(orjson.dumps(body), error.status, headers, media_type=JSON)

    def envelope(self, ctx: Context, payload: dict) -> bytes:
        snapshot = ctx.snapshot
        meta = (
            snapshot.meta
            if snapshot
            else dict.fromkeys(("as_of_month", "model_version", "snapshot_id"))
        )
        return orjson.dumps({"request_id": ctx.request_id, **meta, **payload})

    # rules --------------------------------------------------------------------------------
    @staticmethod
    def firm_code(raw: str) -> str:
        code = raw.strip().upper()
        if not is_valid_uscc(code):
            raise ApiError("invalid_uscc", detail=f"收到: {raw[:40]}")
        return code

    def may_read(self, ctx: Context, firm_id: str, purpose: str) -> None:
        """Raise ApiError 403 unless the key's owner may read ``firm_id`` for ``purpose``."""
        p = ctx.principal
        if p.kind == "official":
            return
        if p.kind == "firm":
            if p.principal_id != firm_id:
                raise ApiError("not_own_firm")
            return
        code, _ = self.directory.consent(p.principal_id, firm_id, purpose)
        if code != "ok":
            raise ApiError(code)

    def firm_entry(self, snapshot: Snapshot, firm_id: str):
        entry = snapshot.firms.get(firm_id)
        if entry is None:
            raise ApiError("unknown_firm")
        if entry.grade_code == "insufficient":
            raise ApiError("data_insufficient", detail=entry.insufficient_note)
        return entry

    def batch_item(self, ctx: Context, snapshot: Snapshot, raw: str, purpose: str):
        """Return (firm_id for the audit, status, item JSON bytes) of one batch code."""
        try:
            firm_id = self.firm_code(raw) if isinstance(raw, str) else self.firm_code(str(raw))
        except ApiError as e:
            return (
                None,
                e.code,
                orjson.dumps(
                    {"firm_id": str(raw)[:64], "status": e.code, "message": e.message, "firm": None}
                ),
            )
        try:
            self.may_read(ctx, firm_id, purpose)
            entry = self.firm_entry(snapshot, firm_id)
        except ApiError as e:
            message = e.message if e.detail is None else f"{e.message}：{e.detail}"
            return (
                firm_id,
                e.code,
                orjson.dumps(
                    {"firm_id": firm_id, "status": e.code, "message": message, "firm": None}
                ),
            )
        head = b'{"firm_id":"' + firm_id.encode() + b'","status":"ok","message":null,"firm":'
        return firm_id, "ok", head + entry.body + b"}"

    async def firm_current(self, api_key: str | None, raw: str, purpose: str) -> Response:
        """Answer GET /v1/firms/{firm_id} (the route and the fast path both call this)."""
        try:
            ctx = self.begin(api_key, "firms.current")
        except ApiError as e:
            return self.error_response(e)
        code = raw
        try:
            snap = self.require_snapshot(ctx)
            # A code the snapshot holds is a valid one (the warehouse quarantines the rest).
            code = raw if raw in snap.firms else self.firm_code(raw)
            self.may_read(ctx, code, purpose)
            entry = self.firm_entry(snap, code)
        except ApiError as e:
            return await self.fail(ctx, e, code[:64], purpose)
        body = b'{"request_id":"%s",%s,"firm":%s}' % (
            ctx.request_id.encode(),
            snap.meta_bytes,
            entry.body,
        )
        return await self.respond(ctx, body, 200, [self.audit_row(ctx, code, purpose, 200, "ok")])

    async def firm_report(self, api_key: str | None, raw: str, month: str | None) -> Response:
        """Answer GET /v1/firms/{firm_id}/report: the firm's check-up report (企检报告, HTML) for
        the firm itself or an official. Banks get 403: the report shows the departments' own
        figures (sales, power use, insured staff), which a bank never sees (可用不可见)."""
        ctx = self.begin(api_key, "firms.report", cost=5.0)
        code = raw
        try:
            snap = self.require_snapshot(ctx)
            if ctx.principal.kind == "bank":
                raise ApiError("forbidden_role", detail=REPORT_NOT_FOR_BANKS)
            code = self.firm_code(raw)
            self.may_read(ctx, code, "")
            if code not in snap.offsets:
                raise ApiError("unknown_firm")
            # rendering reads the snapshot file (~0.3 s): off the event loop
            _month, pages = await asyncio.to_thread(
                firm_pages, self.settings.published_path, [code], month,
                bank_db_url=self.settings.db_url,
            )  # fmt: skip
            if pages.get(code) is None:
                raise ApiError("month_not_scored", detail=f"所选月份: {month or '最新'}")
        except ApiError as e:
            return await self.fail(ctx, e, code[:64])
        row = self.audit_row(ctx, code, None, 200, "ok")
        return await self.respond(ctx, pages[code].encode("utf-8"), 200, [row], media_type=HTML)
