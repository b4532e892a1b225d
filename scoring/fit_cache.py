"""Fitted models kept between runs, so a monthly run refits only what its new data changed.

A monthly run decides every refit from the panel's start in order (``scoring.monthly``), and
before this cache it fitted every one of them again: at 100,000 firms that was most of a monthly
run's scoring time. A fit is a pure function of its inputs (the fits are deterministic: the
training rows come in a fixed order, see ``firm_health_scores``), so a fit whose inputs are
exactly those of an earlier one returns that model, read back from disk.

The key of a fit is a SHA-256 over everything the fit reads: a fingerprint of every row of the
labelled training panel (``polars.DataFrame.hash_rows``, with the polars version), the windows,
the indicator specs, the scorecard configuration, the peer levels, and the source of the
``scoring`` package itself (a code change is a new key). One changed row, a changed setting or
a new release means a new fit; nothing is ever reused on a guess.

Models are pickled into ``<directory>/<key>.pickle`` (written to a temporary file and renamed,
so a killed run never leaves half a model; what a dead run left half-written is removed when
the cache next opens). A file that cannot be read is fitted again and overwritten; a model that
cannot be written (a full disk) is used and not kept. Files not used for ``keep_days`` are
removed when the cache opens. Reading a pickle runs code: the directory must be writable by the
pipeline only.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import polars as pl

from scoring.scorecard import Scorecard

KEEP_DAYS = 90


@cache
def code_version() -> str:
    """Return a digest of the ``scoring`` package's source (every ``.py`` file, by path)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def frame_fingerprint(frame: pl.DataFrame) -> str:
    """Return a digest of a frame's columns, types and every row's values, in order."""
    digest = hashlib.sha256(pl.__version__.encode())
    digest.update(repr(list(frame.schema.items())).encode())
    digest.update(str(frame.height).encode())
    if frame.height:
        digest.update(frame.hash_rows(seed=0).to_numpy().tobytes())
    return digest.hexdigest()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid > 0


class FitCache:
    """Fitted models on disk, keyed by what they were fitted on.

    Parameters
    ----------
    directory : Path or None
        Where the models are kept; None keeps nothing (every fit runs).
    keep_days : float
        Models not used for this many days are removed when the cache opens.

    Examples
    --------
    >>> import tempfile
    >>> cache = FitCache(Path(tempfile.mkdtemp()))
    >>> frame = pl.DataFrame({"x": [1.0, 2.0]})
    >>> key = cache.key(frame, "settings")
    >>> cache.fitted(key, lambda: "a model"), cache.fitted(key, lambda: "another")
    ('a model', 'a model')
    >>> cache.fits, cache.reused
    (1, 1)
    """

    def __init__(self, directory: Path | None, keep_days: float = KEEP_DAYS) -> None:
        self.directory = Path(directory) if directory is not None else None
        self.fits = self.reused = self.unkept = 0
        self._fingerprints: dict[int, tuple[pl.DataFrame, str]] = {}
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            cutoff = time.time() - keep_days * 86400
            for path in self.directory.glob("*.pickle"):
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            for partial in self.directory.glob(".*.tmp"):  # left by a run killed mid-write
                pid = partial.suffixes[-2].lstrip(".") if len(partial.suffixes) > 1 else ""
                if pid.isdigit() and not _alive(int(pid)):
                    partial.unlink(missing_ok=True)

    def _fingerprint(self, frame: pl.DataFrame) -> str:
        # the refits of one run pass the same labelled frame to several fits: hash it once
        held = self._fingerprints.get(id(frame))
        if held is None or held[0] is not frame:
            held = self._fingerprints[id(frame)] = (frame, frame_fingerprint(frame))
        return held[1]

    def key(self, frame: pl.DataFrame, *settings: object) -> str:
        """Return the key of a fit of ``frame`` with ``settings`` (anything with a stable repr:
        dataclasses, tuples, dicts of them)."""
        digest = hashlib.sha256(code_version().encode())
        digest.update(self._fingerprint(frame).encode())
        digest.update(repr(settings).encode())
        return digest.hexdigest()

    def fitted(self, key: str, fit: Callable[[], Scorecard]) -> Scorecard:
        """Return the model kept under ``key``, else ``fit()`` (kept for the next run)."""
        path = None if self.directory is None else self.directory / f"{key}.pickle"
        if path is not None and path.exists():
            try:
                with path.open("rb") as handle:
                    model = pickle.load(handle)
            except Exception:  # an unreadable or truncated file is fitted again
                model = None
            if model is not None:
                os.utime(path)
                self.reused += 1
                return model
        model = fit()
        self.fits += 1
        if path is not None:
            partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            try:
                with partial.open("wb") as handle:
                    pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(partial, path)
            except Exception:  # a full disk or a model that cannot be kept: the run goes on
                partial.unlink(missing_ok=True)
                self.unkept += 1
        return model
