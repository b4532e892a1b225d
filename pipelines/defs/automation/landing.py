"""What the landing zone holds, cheaply: names, sizes and modification times, never contents."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def landing_snapshot(root: Path) -> dict[str, list[int]]:
    """Return {relative path: [size, mtime_ns]} for every file under ``root``."""
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): [p.stat().st_size, p.stat().st_mtime_ns]
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def changed_files(previous: dict[str, list[int]], current: dict[str, list[int]]) -> list[str]:
    """Return the files that are new or changed since ``previous``, sorted."""
    return sorted(f for f, stat in current.items() if previous.get(f) != stat)


def fingerprint(snapshot: dict[str, list[int]]) -> str:
    """Return a short stable hash of a landing snapshot (used as a run key)."""
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()[:16]
