"""Pieces several departments share: event items, their monthly deltas, serial numbers."""

from __future__ import annotations

import numpy as np
import polars as pl

from simulator.months import NEVER
from simulator.world import World


class Items:
    """Event items (penalties, listings, cases, rights, certificates) as growing numpy columns."""

    def __init__(self, *cols: str) -> None:
        self.c: dict[str, np.ndarray] = {k: np.zeros(0, dtype=np.int64) for k in cols}
        self.amount = np.zeros(0)
        self.no = np.zeros(0, dtype=object)

    def __len__(self) -> int:
        return len(self.no)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.c[key]

    def add(self, no: np.ndarray, amount: np.ndarray | None = None, **cols: np.ndarray) -> None:
        k = len(no)
        if not k:
            return
        for key in self.c:
            self.c[key] = np.concatenate([self.c[key], np.asarray(cols[key], dtype=np.int64)])
        self.amount = np.concatenate([self.amount, np.zeros(k) if amount is None else amount])
        self.no = np.concatenate([self.no, np.asarray(no, dtype=object)])


class Serials:
    """Running serial numbers per key (a department's document numbers, per year or type)."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def take(self, key: str, k: int) -> np.ndarray:
        start = self.last.get(key, 0)
        self.last[key] = start + k
        return np.arange(start + 1, start + k + 1)


def open_close(world: World, items: Items, ym: int, first: bool, until=None):
    """Indices of items opened this month, closed this month, and (first month) the stock."""
    opened = np.flatnonzero(items["m"] == ym)
    closed = np.flatnonzero(items["close_m"] == ym)
    if first and len(items):
        still = (items["m"] < ym) & (items["close_m"] >= ym)
        if until is not None:
            still &= until >= ym
        opened = np.concatenate([np.flatnonzero(still), opened])
    # a deregistered (注销) firm is gone from every department
    return tuple(sel[~world.gone(items["firm"][sel], ym)] for sel in (opened, closed))


def name_and_code(world: World, idx: np.ndarray, name_col: str, uscc_col: str) -> dict:
    """The firm-name and USCC columns of a department's file, under its own headers."""
    return {name_col: world.name(idx), uscc_col: world.uscc(idx)}


def null_text(k: int) -> pl.Series:
    return pl.Series([None] * k, dtype=pl.String)


def abandon_fixes(items: Items, gone: np.ndarray, ym: int, rng: np.random.Generator) -> None:
    """Firms in distress (``gone``) mostly never complete a pending fix or settlement."""
    hit = np.isin(items["firm"], gone) & (items["close_m"] > ym) & (items["close_m"] < NEVER)
    hit &= rng.random(len(hit)) < 0.7
    items.c["close_m"][hit] = NEVER
