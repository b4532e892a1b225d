"""The data team's view of the landing zone and its file log.

    python -m ingest log [--feed FEED] [--status STATUS] [--limit N]
    python -m ingest held                     deliveries waiting for review
    python -m ingest release FILE --by NAME --reason TEXT
    python -m ingest unrecognised             files under landing/ no feed reads

The warehouse is ``$EH_DUCKDB_PATH`` (default data/warehouse.duckdb). ``release`` marks a held
delivery (its current bytes) as reviewed; the next run of the feed applies it. It needs the
warehouse lock, so run it when no pipeline run is writing.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest.load import ensure_log

_DEFAULT = Path(__file__).resolve().parents[1] / "data" / "warehouse.duckdb"


def _warehouse() -> Path:
    return Path(os.environ.get("EH_DUCKDB_PATH", _DEFAULT))


def _print(rows: list[tuple], header: tuple[str, ...]) -> None:
    if not rows:
        print("(none)")
        return
    widths = [min(60, max(len(str(x)) for x in col)) for col in zip(header, *rows, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        cells = (
            str(x if x is not None else "")[:w].ljust(w) for x, w in zip(row, widths, strict=True)
        )
        print("  ".join(cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    log = sub.add_parser("log", help="the file log, newest first")
    log.add_argument("--feed")
    log.add_argument("--status")
    log.add_argument("--limit", type=int, default=50)
    sub.add_parser("held", help="deliveries held for review")
    sub.add_parser("unrecognised", help="landing files no feed reads")
    rel = sub.add_parser("release", help="release a held delivery after review")
    rel.add_argument("file", help="the file as the log names it, e.g. tax/202510/x.csv")
    rel.add_argument("--by", required=True, help="who reviewed it")
    rel.add_argument("--reason", required=True, help="why it may replace the version in effect")
    args = parser.parse_args(argv)

    path = _warehouse()
    if not path.exists():
        print(f"no warehouse at {path}; run the pipeline first (make demo)", file=sys.stderr)
        return 2
    with duckdb.connect(str(path), read_only=args.command != "release") as con:
        if args.command != "release":
            tables = {
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables where table_schema = 'raw'"
                ).fetchall()
            }
            if "ingest_log" not in tables:
                print("the warehouse has no file log yet; run the pipeline first")
                return 2
        if args.command == "log":
            where, params = ["1=1"], []
            if args.feed:
                where.append("feed_id = ?")
                params.append(args.feed)
            if args.status:
                where.append("status = ?")
                params.append(args.status)
            rows = con.execute(
                "select log_id, logged_at::varchar[:19], feed_id, file, status, received, "
                "accepted, quarantined, message from raw.ingest_log where "
                + " and ".join(where)
                + f" order by log_id desc limit {int(args.limit)}",
                params,
            ).fetchall()
            _print(rows, ("id", "logged", "feed", "file", "status", "rcvd", "acc", "quar", "why"))
        elif args.command in ("held", "unrecognised"):
            status = "held" if args.command == "held" else "unrecognised"
            rows = con.execute(
                "select feed_id, file, size_bytes, message from raw.ingest_files f "
                "where status = ? and not exists (select 1 from raw.ingest_log l where "
                "l.feed_id = f.feed_id and l.file = f.file and l.log_id > f.log_id) "
                "order by file",
                [status],
            ).fetchall()
            _print(rows, ("feed", "file", "bytes", "why"))
        else:
            ensure_log(con)
            # every held file of the same delivery (all parts of it) is released together
            held = con.execute(
                """select f.feed_id, f.file, f.sha256 from raw.ingest_files f
                   join (select feed_id, slot, delivery from raw.ingest_files
                         where file = ? and status = 'held') g using (feed_id, slot, delivery)
                   where f.status = 'held' and not exists (
                       select 1 from raw.ingest_log l where l.feed_id = f.feed_id
                       and l.file = f.file and l.log_id > f.log_id)""",
                [args.file],
            ).fetchall()
            if not held:
                print(
                    f"{args.file} is not held for review (see: python -m ingest held)",
                    file=sys.stderr,
                )
                return 1
            for feed_id, file, sha in held:
                con.execute(
                    "insert into raw.ingest_releases values (?, ?, ?, ?, ?, ?)",
                    [
                        feed_id,
                        file,
                        sha,
                        args.by,
                        args.reason,
                        datetime.now(UTC).replace(tzinfo=None),
                    ],
                )
            files = ", ".join(f for _, f, _ in held)
            print(f"released {files}; the next run of {held[0][0]} applies it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
