"""``python -m bank_api``: keys, consents, the audit log and the server.

    python -m bank_api keys create --kind bank --id icbc-wz --name 工商银行温州分行
    python -m bank_api keys list | rotate KEY_ID | revoke KEY_ID
    python -m bank_api consents grant --firm USCC --bank icbc-wz --purpose pre_loan \\
        --from 2026-12-01 --until 2027-11-30 --evidence 授权书编号
    python -m bank_api consents list [--firm USCC] [--bank ID] | revoke CONSENT_ID
    python -m bank_api audit verify | export --bank icbc-wz --month 2026-12 --out file.csv
    python -m bank_api serve [--host 127.0.0.1] [--port 8600] [--workers 1]

The store is EH_BANK_DB_URL (default: SQLite at data/bank_api/bank.sqlite) or ``--db URL``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from bank_api import audit
from bank_api.db import today_china
from bank_api.store import KINDS, PURPOSES, Store
from ingest.uscc import is_valid_uscc


def _table(rows: list[dict], columns: list[str]) -> str:
    if not rows:
        return "(none)"
    widths = {c: max(len(c), *(len(str(r.get(c) or "")) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(r.get(c) or "").ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bank_api", description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="store URL (default EH_BANK_DB_URL or SQLite in data/)")
    area = parser.add_subparsers(dest="area", required=True)

    keys = area.add_parser("keys", help="API keys").add_subparsers(dest="command", required=True)
    create = keys.add_parser("create", help="issue a key (shown once)")
    create.add_argument("--kind", choices=KINDS, default="bank")
    create.add_argument("--id", required=True, help="bank code, the firm's USCC, or an id")
    create.add_argument("--name", help="readable name, e.g. 工商银行温州分行")
    create.add_argument("--rate", type=float, default=50.0, help="requests per second")
    create.add_argument("--burst", type=int, default=100)
    keys.add_parser("list", help="every key, never a secret")
    rotate = keys.add_parser("rotate", help="issue a new key, retire the old one")
    rotate.add_argument("key_id")
    rotate.add_argument("--grace-seconds", type=int, default=0)
    revoke = keys.add_parser("revoke")
    revoke.add_argument("key_id")
    revoke.add_argument("--reason", default="revoked")

    cons = area.add_parser("consents", help="firms' consents").add_subparsers(
        dest="command", required=True
    )
    grant = cons.add_parser("grant", help="record a firm's consent to a bank")
    grant.add_argument("--firm", required=True)
    grant.add_argument("--bank", required=True)
    grant.add_argument("--purpose", choices=sorted(PURPOSES), required=True)
    grant.add_argument("--from", dest="valid_from", default=None, help="YYYY-MM-DD (today)")
    grant.add_argument("--until", dest="valid_until", required=True, help="YYYY-MM-DD")
    grant.add_argument("--evidence", help="e.g. the signed authorisation's number")
    listing = cons.add_parser("list")
    listing.add_argument("--firm")
    listing.add_argument("--bank")
    crevoke = cons.add_parser("revoke")
    crevoke.add_argument("consent_id")

    aud = area.add_parser("audit", help="the audit log").add_subparsers(
        dest="command", required=True
    )
    aud.add_parser("verify", help="check the hash chain; exit 1 on a changed or deleted row")
    export = aud.add_parser("export", help="one bank's rows of one month as CSV")
    export.add_argument("--bank", required=True)
    export.add_argument("--month", required=True, help="YYYY-MM (China time)")
    export.add_argument("--out", required=True)

    serve = area.add_parser("serve", help="run the HTTP service (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8600)
    serve.add_argument("--workers", type=int, default=1)
    area.add_parser("init", help="create the store's tables")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.db:
        import os

        os.environ["EH_BANK_DB_URL"] = args.db
    store = Store(args.db)
    if args.area == "serve":
        return serve(store, args.host, args.port, args.workers)
    store.create_all()
    if args.area == "init":
        print(f"store ready: {store.engine.url.render_as_string(hide_password=True)}")
        return 0
    if args.area == "keys":
        return _keys(store, args)
    if args.area == "consents":
        return _consents(store, args)
    return _audit(store, args)


def _keys(store: Store, args) -> int:
    if args.command == "create":
        if args.kind == "firm" and not is_valid_uscc(args.id):
            print(f"not a valid USCC: {args.id}", file=sys.stderr)
            return 2
        new = store.create_key(args.kind, args.id, args.name, args.rate, args.burst)
        print(f"key_id: {new.key_id}\napi_key: {new.api_key}\n(the key is shown once; keep it)")
    elif args.command == "list":
        columns = ["key_id", "kind", "principal_id", "name", "created_at", "revoked_at"]
        print(_table(store.list_keys(), [*columns, "replaced_by", "rate_per_s"]))
    elif args.command == "rotate":
        new = store.rotate_key(args.key_id, args.grace_seconds)
        print(f"key_id: {new.key_id}\napi_key: {new.api_key}\n(old key {args.key_id} retired)")
    else:
        store.revoke_key(args.key_id, args.reason)
        print(f"revoked {args.key_id}")
    return 0


def _consents(store: Store, args) -> int:
    if args.command == "grant":
        if not is_valid_uscc(args.firm):
            print(f"not a valid USCC: {args.firm}", file=sys.stderr)
            return 2
        valid_from = args.valid_from or today_china().isoformat()
        try:
            row = store.grant_consent(
                args.firm,
                args.bank,
                args.purpose,
                valid_from,
                args.valid_until,
                granted_by="cli",
                evidence=args.evidence,
            )
        except (LookupError, ValueError) as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 2
        print(f"consent_id: {row['consent_id']} ({PURPOSES[row['purpose']]}, {valid_from}..)")
    elif args.command == "list":
        columns = ["consent_id", "firm_id", "bank_id", "purpose", "valid_from", "valid_until"]
        rows = store.list_consents(args.firm, args.bank)
        print(_table(rows, [*columns, "revoked_at", "evidence"]))
    else:
        row = store.revoke_consent(args.consent_id, "cli")
        print(f"revoked {row['consent_id']} at {row['revoked_at']}")
    return 0


def _audit(store: Store, args) -> int:
    if args.command == "verify":
        result = audit.verify(store.engine)
        if result.ok:
            print(f"audit chain intact: {result.rows:,} rows, last seq {result.last_seq}")
            return 0
        print(f"audit chain BROKEN ({result.rows:,} rows read):")
        for problem in result.problems:
            print(f"  - {problem}")
        return 1
    dt.datetime.strptime(args.month, "%Y-%m")
    n = audit.export_csv(store.engine, args.out, args.bank, args.month)
    print(f"wrote {n:,} rows of {args.bank} in {args.month} to {args.out}")
    return 0


def serve(store: Store, host: str, port: int, workers: int) -> int:
    """Create the tables, then run uvicorn (httptools parser, uvloop event loop)."""
    import uvicorn

    store.create_all()  # once, before the workers start
    store.engine.dispose()
    uvicorn.run(
        "bank_api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="info",
    )
    return 0
