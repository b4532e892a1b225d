"""Publish a read-only copy of the warehouse for readers (bank API, analysts).

DuckDB allows one writer process and any open reader blocks it, so readers never open the live
file: they open the last published copy. Publishing is atomic — the copy is written beside the
target and renamed over it — so a reader (or a crash) never sees a half-written snapshot.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def remove_abandoned(target: Path) -> list[Path]:
    """Remove the half-written copies of ``target`` that killed publishers left behind
    (``.<name>.<pid>.tmp`` of a process that no longer runs); return them. A publisher killed
    mid-copy cannot clean up, and each leftover is as large as the warehouse."""
    removed = []
    for tmp in target.parent.glob(f".{target.name}.*.tmp"):
        pid = tmp.name.removeprefix(f".{target.name}.").removesuffix(".tmp")
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def _atomic_write(target: Path, write) -> None:
    remove_abandoned(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def publish_snapshot(live: Path, target: Path, tables: list[str]) -> dict:
    """Copy the live warehouse to ``target`` atomically; return the manifest written beside it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(live)) as con:
        con.execute("checkpoint")  # everything in the main file, nothing left in the WAL
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}
    with live.open("rb") as src:
        _atomic_write(target, lambda dst: shutil.copyfileobj(src, dst, 16 << 20))
    manifest = {
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": str(live),
        "bytes": target.stat().st_size,
        "row_counts": counts,
    }
    body = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    _atomic_write(target.with_suffix(".manifest.json"), lambda dst: dst.write(body))
    return manifest
