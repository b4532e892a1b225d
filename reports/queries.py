"""Who queried a firm (查询记录): rows of the bank service's audit log, read-only.

The store is the bank service's (EH_BANK_DB_URL, default SQLite under data/bank_api/). A report
never creates it: without a store there is simply no query to show.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

from bank_api.audit import audit_log
from bank_api.db import default_url, make_engine, reading
from bank_api.store import PURPOSES, principals

KIND_ZH = {"bank": "银行", "firm": "企业本身", "official": "政府部门"}
SHOWN = 10


def store_exists(url: str) -> bool:
    """Return whether the store can be read without creating it (a SQLite file must exist)."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).is_file()
    return True


def firm_queries(firm_ids: list[str], url: str | None = None) -> tuple[dict[str, dict], str]:
    """Return ({firm_id: {"total": n, "rows": latest SHOWN rows}}, a note on the source).

    Rows carry ``at`` (UTC ISO), ``who`` (the principal's name), ``kind_zh``, ``purpose_zh``,
    ``outcome``; only answered queries (HTTP 200) about the firm are counted.
    """
    url = url or default_url()
    if not store_exists(url):
        return {}, "银行服务存储不存在（尚无查询）"
    engine = make_engine(url)
    out: dict[str, dict] = defaultdict(lambda: {"total": 0, "rows": []})
    try:
        query = (
            sa.select(
                audit_log.c.firm_id,
                audit_log.c.at,
                audit_log.c.principal_kind,
                audit_log.c.principal_id,
                audit_log.c.purpose,
                audit_log.c.endpoint,
                audit_log.c.outcome,
                principals.c.name,
            )
            .select_from(
                audit_log.outerjoin(
                    principals, principals.c.principal_id == audit_log.c.principal_id
                )
            )
            .where(audit_log.c.firm_id.in_(firm_ids), audit_log.c.http_status == 200)
            .order_by(audit_log.c.seq.desc())
        )
        with reading(engine) as conn:
            for r in conn.execute(query):
                entry = out[r.firm_id]
                entry["total"] += 1
                if len(entry["rows"]) < SHOWN:
                    entry["rows"].append(
                        {
                            "at": r.at[:16].replace("T", " ") + " UTC",
                            "who": r.name or r.principal_id,
                            "kind_zh": KIND_ZH.get(r.principal_kind, r.principal_kind),
                            "purpose_zh": PURPOSES.get(r.purpose, r.purpose or "—"),
                            "endpoint": r.endpoint,
                        }
                    )
    except sa.exc.OperationalError:
        return {}, "银行服务存储尚未初始化（尚无查询）"
    finally:
        engine.dispose()
    return dict(out), "银行服务审计日志"
