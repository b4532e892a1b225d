"""Peer reference distributions: where a value stands among its peers, learnt once, reusable.

A ``PeerReference`` stores, for every indicator and every peer group, the mid-rank cumulative
distribution of the values seen when it was fitted (at most ``knots`` points per group). Any
later row, even a single one, is then placed in its own group by interpolation, so scoring does
not depend on which other rows happen to be in the batch. Groups come in levels, narrowest
first (e.g. industry division x size class, then section x size class, then section, then
everyone); a row uses the first level whose group held at least ``min_group`` values of that
indicator. Percentiles are bounded in [0, 1], so outliers and heavy tails need no clipping: a
value beyond everything seen ties with the most extreme one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

_ALL = "_all"  # constant key of the level that holds every row


def _level_keys(level: tuple[str, ...]) -> list[str]:
    return list(level) if level else [_ALL]


def level_label(level: tuple[str, ...], values: Sequence[object], by: str | None = None) -> str:
    """Return a readable name of one peer group, e.g. ``"33|小型"`` or ``"all"``.

    The partition column ``by`` (e.g. the month) is left out of the name.

    Examples
    --------
    >>> level_label(("industry_division", "size_class"), ["33", "小型"]), level_label((), [])
    ('33|小型', 'all')
    >>> level_label(("month", "size_class"), ["2024-01-01", "小型"], by="month")
    '小型'
    """
    if not level:
        return "all"
    shown = [str(v) for k, v in zip(level, values, strict=True) if k != by]
    return "|".join(shown) if shown else "all"


@dataclass(frozen=True)
class PeerReference:
    """Fitted peer distributions; build with ``PeerReference.fit``.

    Attributes
    ----------
    columns : tuple of str
        Indicator columns, in the order of the arrays ``transform`` returns.
    levels : tuple of tuple of str
        Key columns of each peer level, narrowest first; the last is ``()`` (everyone).
    min_group : int
        Fewest reference values a group needs before a row may use it.
    by : str or None
        Partition column (e.g. the month) every level is nested in; None pools all rows.
    groups : tuple of polars.DataFrame
        Per level: its key columns and ``gid`` (UInt32), one row per group seen.
    counts : numpy.ndarray
        ``counts[c][l]``: reference values per group id (column c, level l); object array.
    table_of : numpy.ndarray
        ``table_of[c][l]``: id of the knot table per group id (-1 when too few values).
    offsets, knot_values, knot_cdf : numpy.ndarray
        Knot tables, concatenated: table t is ``knot_values[offsets[t]:offsets[t + 1]]``
        (increasing) with mid-rank cumulative shares ``knot_cdf`` (increasing, in (0, 1)).
    table_names : tuple of str
        Peer-group label of each knot table (for explanations).
    """

    columns: tuple[str, ...]
    levels: tuple[tuple[str, ...], ...]
    min_group: int
    by: str | None
    groups: tuple[pl.DataFrame, ...]
    table_of: tuple[tuple[np.ndarray, ...], ...]
    offsets: np.ndarray
    knot_values: np.ndarray
    knot_cdf: np.ndarray
    table_names: tuple[str, ...]

    @classmethod
    def fit(
        cls,
        frame: pl.DataFrame,
        columns: Sequence[str],
        levels: Sequence[Sequence[str]] = ((),),
        min_group: int = 30,
        knots: int = 51,
        by: str | None = None,
    ) -> PeerReference:
        """Return the peer distributions of ``columns`` in ``frame``.

        Parameters
        ----------
        frame : polars.DataFrame
            Reference rows: the indicator columns (numeric; null, NaN and infinities are not
            values) and every key column of ``levels``.
        columns : sequence of str
            Indicator columns.
        levels : sequence of sequence of str
            Peer levels, narrowest first; ``()`` (everyone) is appended when not last.
        min_group : int
            Fewest values a group needs to be used (the everyone level is always usable).
        knots : int
            Most knots stored per group (>= 3); more give finer percentiles, cost memory.
        by : str, optional
            Rank within each value of this column first (e.g. ``period_month``: peers of the
            same month, as scoring v1 does); the levels become ``(by, *level)``, then
            ``(by,)``, then everyone pooled (for values of ``by`` never seen).

        Returns
        -------
        PeerReference

        Examples
        --------
        >>> ref = PeerReference.fit(pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}), ["x"])
        >>> ref.transform(pl.DataFrame({"x": [2.0, 2.5, 99.0, None]}))[0][:, 0].tolist()
        [0.375, 0.5, 0.875, nan]
        """
        if knots < 3:
            raise ValueError(f"knots must be at least 3, got {knots}")
        if min_group < 1:
            raise ValueError(f"min_group must be at least 1, got {min_group}")
        levels_t = tuple(tuple(level) for level in levels if tuple(level))
        if by is not None:
            levels_t = (*[(by, *level) for level in levels_t], (by,))
        levels_t = (*levels_t, ())
        keys_needed = sorted({k for level in levels_t for k in level})
        missing = [c for c in (*columns, *keys_needed) if c not in frame.columns]
        if missing:
            raise ValueError(f"reference frame is missing column(s): {', '.join(missing)}")
        base = frame.select(
            *[pl.col(k).cast(pl.String) for k in keys_needed],
            pl.lit(0, pl.UInt8).alias(_ALL),
            *[_clean(pl.col(c)).alias(c) for c in columns],
        )
        groups = []
        for level in levels_t:
            keys = _level_keys(level)
            groups.append(
                base.select(keys)
                .drop_nulls()
                .group_by(keys)
                .agg(pl.len().alias("rows"))
                .sort(keys)
                .with_row_index("gid")
                .select(*keys, "gid", "rows")
            )
        gids = base.select(
            [
                base.select(_level_keys(level))
                .join(group.drop("rows"), on=_level_keys(level), how="left", maintain_order="left")[
                    "gid"
                ]
                .alias(f"_gid{li}")
                for li, (level, group) in enumerate(zip(levels_t, groups, strict=True))
            ]
        )
        offsets = [0]
        values_parts: list[np.ndarray] = []
        cdf_parts: list[np.ndarray] = []
        names: list[str] = []
        table_of = []
        level_gids = [
            gids[f"_gid{li}"].fill_null(-1).cast(pl.Int64).to_numpy() for li in range(len(levels_t))
        ]
        level_names = [
            [level_label(level, row[:-2], by) for row in group.sort("gid").rows()]
            for level, group in zip(levels_t, groups, strict=True)
        ]
        for column in columns:
            x = base[column].to_numpy()
            present = np.flatnonzero(~np.isnan(x))
            by_value = present[np.argsort(x[present], kind="stable")]  # once per column
            per_level = []
            for li, (level, group) in enumerate(zip(levels_t, groups, strict=True)):
                knot_gid, knot_v, knot_cdf, group_gid, group_n, group_k = _knots(
                    level_gids[li], x, by_value, knots
                )
                table = np.full(group.height, -1, dtype=np.int64)
                # The last level always counts; with ``by`` so does ``(by,)``: a value of
                # ``by`` is ranked among its own rows however few, never pooled with other
                # values' rows (so fitting on more months changes no month's ranks).
                last = level == () or (by is not None and level == (by,))
                usable = (group_n >= min_group) | last
                first_id = len(names)
                table[group_gid[usable]] = np.arange(first_id, first_id + int(usable.sum()))
                keep = np.zeros(group.height, dtype=bool)
                keep[group_gid[usable]] = True
                keep = keep[knot_gid]
                values_parts.append(knot_v[keep])
                cdf_parts.append(knot_cdf[keep])
                offsets.extend((offsets[-1] + np.cumsum(group_k[usable])).tolist())
                names.extend(level_names[li][g] for g in group_gid[usable].tolist())
                per_level.append(table)
            table_of.append(tuple(per_level))
        return cls(
            columns=tuple(columns),
            levels=levels_t,
            min_group=min_group,
            by=by,
            groups=tuple(groups),
            table_of=tuple(table_of),
            offsets=np.asarray(offsets, dtype=np.int64),
            knot_values=np.concatenate(values_parts) if values_parts else np.zeros(0),
            knot_cdf=np.concatenate(cdf_parts) if cdf_parts else np.zeros(0),
            table_names=tuple(names),
        )

    def tables(
        self,
        frame: pl.DataFrame,
        overall: Sequence[bool] | None = None,
        columns: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Return the knot table each row uses for each column (rows x columns, -1 = none).

        The narrowest level whose group (the row's key values, none null) was usable; for
        columns flagged in ``overall``, the everyone level. ``columns`` (positions in
        ``self.columns``, default all) picks and orders the columns returned; ``overall`` is
        indexed like ``self.columns``.
        """
        path, path_gids = self._paths(frame)
        return np.take(
            np.ascontiguousarray(self._path_tables(path_gids, overall, columns).T), path, axis=1
        ).T

    def _paths(self, frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Return each row's path (its group at every level, numbered, widest level first in
        the numbering so paths sharing wide groups sit together) and each path's group ids
        (paths x levels, -1 = no group)."""
        n = frame.height
        gids = []
        for level, group in zip(self.levels, self.groups, strict=True):
            if level:
                keys = list(level)
                gid = (
                    frame.select(*[pl.col(k).cast(pl.String) for k in keys])
                    .join(group.drop("rows"), on=keys, how="left", maintain_order="left")["gid"]
                    .fill_null(-1)
                    .cast(pl.Int64)
                    .to_numpy()
                )
            else:
                gid = np.zeros(n, dtype=np.int64) if group.height else np.full(n, -1, np.int64)
            gids.append(gid)
        key = np.zeros(n, dtype=np.int64)
        for gid, group in zip(reversed(gids), reversed(self.groups), strict=True):
            key = key * (group.height + 1) + (gid + 1)
        _, first, path = np.unique(key, return_index=True, return_inverse=True)
        stacked = np.column_stack(gids) if gids else np.zeros((n, 0), dtype=np.int64)
        return path.reshape(-1), stacked[first]

    def _path_tables(
        self,
        path_gids: np.ndarray,
        overall: Sequence[bool] | None,
        columns: Sequence[int] | None,
    ) -> np.ndarray:
        """Return the knot table of every path (rows of ``path_gids``) and column."""
        picked = range(len(self.columns)) if columns is None else columns
        out = np.full((path_gids.shape[0], len(picked)), -1, dtype=np.int64)
        last = len(self.levels) - 1
        for j, c in enumerate(picked):
            # Widest level first, each narrower usable group overwriting: the narrowest wins.
            for li in range(last, -1, -1):
                if overall is not None and overall[c] and li != last:
                    continue
                gid = path_gids[:, li]
                found = np.where(gid >= 0, self.table_of[c][li][np.maximum(gid, 0)], -1)
                np.copyto(out[:, j], found, where=found >= 0)
        return out

    def group_labels(self, frame: pl.DataFrame) -> pl.Series:
        """Return each row's peer group: the narrowest level whose group had ``min_group`` rows.

        Examples
        --------
        >>> frame = pl.DataFrame({"s": ["a", "a", "b"], "x": [1.0, 2.0, 3.0]})
        >>> ref = PeerReference.fit(frame, ["x"], [("s",)], min_group=2)
        >>> ref.group_labels(frame).to_list()
        ['a', 'a', 'all']
        """
        frame = self._with_keys(frame)
        label = pl.lit(None, pl.String)
        parts = []
        for li, (level, group) in enumerate(zip(self.levels, self.groups, strict=True)):
            if not level:
                parts.append(pl.lit("all"))
                continue
            shown = [k for k in level if k != self.by]
            name = pl.concat_str([pl.col(k) for k in shown], separator="|") if shown else "all"
            named = group.filter(pl.col("rows") >= self.min_group).select(
                *level, pl.lit(name).alias(f"_l{li}") if not shown else name.alias(f"_l{li}")
            )
            frame = frame.with_columns(pl.col(k).cast(pl.String) for k in level).join(
                named, on=list(level), how="left", maintain_order="left"
            )
            parts.append(pl.col(f"_l{li}"))
        label = pl.coalesce(parts) if parts else label
        return frame.with_columns(label.alias("peer_group"))["peer_group"]

    def transform(
        self,
        frame: pl.DataFrame,
        overall: Sequence[bool] | None = None,
        columns: Sequence[str] | None = None,
        values: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return each value's mid-rank share in its peer group, and the knot table used.

        Parameters
        ----------
        frame : polars.DataFrame
            Rows to place: the indicator columns and the level keys (missing key columns are
            treated as null, so those levels are skipped).
        overall : sequence of bool, optional
            Per column of ``self.columns``: True ranks among everyone instead of the peer
            group.
        columns : sequence of str, optional
            The columns to place, in this order (default ``self.columns``); only these need
            to be in ``frame``.
        values : numpy.ndarray, optional
            ``clean_values(frame, columns)`` when the caller has it already.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            Rows x columns shares in [0, 1] (NaN where the value is missing or no group has
            values) and rows x columns knot-table ids (-1 where none).
        """
        names = self.columns if columns is None else tuple(columns)
        frame = self._with_keys(frame, names)
        position = {c: i for i, c in enumerate(self.columns)}
        path, path_gids = self._paths(frame)
        path_tables = self._path_tables(path_gids, overall, [position[c] for c in names])
        if values is None:
            values = self.clean_values(frame, names)
        n = frame.height
        shares = np.full(values.shape, np.nan, order="F")
        # Rows sorted by path once; per column, consecutive paths on the same knot table are
        # one np.interp call.
        order = np.argsort(path, kind="stable")
        sorted_path = path[order]
        starts = np.flatnonzero(np.r_[True, sorted_path[1:] != sorted_path[:-1]])
        segment_path = sorted_path[starts]
        for c in range(len(names)):
            segment_table = path_tables[segment_path, c]
            if segment_table.size and (segment_table == segment_table[0]).all():
                # Every row on one table (e.g. ranked among everyone): no reordering needed.
                if segment_table[0] >= 0:
                    lo, hi = self.offsets[segment_table[0]], self.offsets[segment_table[0] + 1]
                    x = values[:, c]
                    out = np.interp(x, self.knot_values[lo:hi], self.knot_cdf[lo:hi])
                    out[np.isnan(x)] = np.nan
                    shares[:, c] = out
                continue
            change = np.r_[True, segment_table[1:] != segment_table[:-1]]
            run_starts = starts[change]
            run_ends = np.r_[run_starts[1:], n]
            x = values[order, c]
            out = np.full(n, np.nan)
            for begin, end, t in zip(run_starts, run_ends, segment_table[change], strict=True):
                if t >= 0:
                    lo, hi = self.offsets[t], self.offsets[t + 1]
                    out[begin:end] = np.interp(
                        x[begin:end], self.knot_values[lo:hi], self.knot_cdf[lo:hi]
                    )
            out[np.isnan(x)] = np.nan  # np.interp maps NaN onto a one-knot table's value
            shares[order, c] = out
        return shares, np.take(np.ascontiguousarray(path_tables.T), path, axis=1).T

    @staticmethod
    def clean_values(frame: pl.DataFrame, columns: Sequence[str]) -> np.ndarray:
        """Return ``columns`` of ``frame`` as a rows x columns float array, NaN where a value
        is null, NaN or infinite (none of them is a value to rank)."""
        if not columns:
            return np.full((frame.height, 0), np.nan, order="F")
        cleaned = frame.select(_clean(pl.col(c)).alias(f"_{i}") for i, c in enumerate(columns))
        return np.asfortranarray(cleaned.to_numpy(), dtype=np.float64)

    def value_at(self, share: np.ndarray, table: np.ndarray) -> np.ndarray:
        """Return the value whose mid-rank share in knot table ``table`` is ``share``.

        The inverse of ``transform`` (for "what value would move the firm up a bin");
        NaN where ``table`` is -1 or ``share`` is NaN.

        Examples
        --------
        >>> ref = PeerReference.fit(pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}), ["x"])
        >>> ref.value_at(np.array([0.5, 0.875]), np.array([0, 0])).tolist()
        [2.5, 4.0]
        """
        out = np.full(share.shape, np.nan)
        ok = (table >= 0) & ~np.isnan(share)
        out[ok] = self._interp(share[ok], table[ok], inverse=True)
        return out

    def _with_keys(self, frame: pl.DataFrame, columns: Sequence[str] | None = None) -> pl.DataFrame:
        keys = sorted({k for level in self.levels for k in level})
        absent = [k for k in keys if k not in frame.columns]
        wanted = self.columns if columns is None else columns
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise ValueError(f"frame is missing indicator column(s): {', '.join(missing)}")
        return frame.with_columns(pl.lit(None, pl.String).alias(k) for k in absent)

    def _interp(self, x: np.ndarray, table: np.ndarray, inverse: bool) -> np.ndarray:
        """Return ``np.interp`` of each ``x`` on its own knot table, bit for bit, for all
        rows at once: a binary search inside each row's table (knots strictly increase
        within a table), then numpy's own interpolation formula."""
        xp = self.knot_cdf if inverse else self.knot_values
        fp = self.knot_values if inverse else self.knot_cdf
        if x.size == 0:
            return np.empty(x.shape)
        lo, hi = self.offsets[table], self.offsets[table + 1]
        # First knot greater than x (side="right"), searched within [lo, hi).
        a, b = lo.copy(), hi.copy()
        longest = int((self.offsets[1:] - self.offsets[:-1]).max())
        last = xp.size - 1
        for _ in range(max(longest, 1).bit_length()):
            open_ = a < b
            mid = (a + b) >> 1
            right = xp[np.minimum(mid, last)] <= x
            a = np.where(open_ & right, mid + 1, a)
            b = np.where(open_ & ~right, mid, b)
        j = a - 1  # x in [xp[j], xp[j + 1]); lo - 1 below the first knot
        below, above = j < lo, j >= hi - 1
        j0 = np.clip(j, lo, hi - 1)
        j1 = np.minimum(j0 + 1, hi - 1)
        x0, x1, f0, f1 = xp[j0], xp[j1], fp[j0], fp[j1]
        inner = ~below & ~above & (x0 != x)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = (f1 - f0) / (x1 - x0)
            out = np.where(inner, slope * (x - x0) + f0, f0)
            retry = inner & np.isnan(out)  # numpy tries the other end, as here
            if retry.any():
                other = slope * (x - x1) + f1
                out = np.where(retry, np.where(np.isnan(other) & (f0 == f1), f0, other), out)
        out = np.where(below, fp[lo], out)
        return np.where(above, fp[hi - 1], out)


def _clean(expr: pl.Expr) -> pl.Expr:
    """Float64 with NaN and infinities as null: none of them is a value to rank."""
    as_float = expr.cast(pl.Float64)
    return pl.when(as_float.is_finite()).then(as_float)


def _knots(
    gid: np.ndarray, x: np.ndarray, by_value: np.ndarray, knots: int
) -> tuple[np.ndarray, ...]:
    """Return at most about ``knots`` (value, mid-rank share) points per group id.

    ``gid`` is each row's group (-1 = none), ``x`` its value, ``by_value`` the rows with a
    value in increasing order of value. Returns per knot its group, value and share, and per
    group with values its id, its number of values and of knots, all ordered by group then
    value.
    """
    rows = by_value[gid[by_value] >= 0]
    g = gid[rows]
    small = g.max(initial=0) < 2**16  # 16-bit keys sort by radix
    order = np.argsort(g.astype(np.uint16) if small else g, kind="stable")
    rows, g = rows[order], g[order]
    v = x[rows]
    if g.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0), np.zeros(0), empty, empty, empty
    # Distinct (group, value) pairs and how many rows hold each.
    new = np.r_[True, (g[1:] != g[:-1]) | (v[1:] != v[:-1])]
    first = np.flatnonzero(new)
    count = np.diff(np.r_[first, g.size])
    g, v = g[first], v[first]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    m = np.diff(np.r_[starts, g.size])  # distinct values per group
    group_of = np.repeat(np.arange(starts.size), m)
    running = np.cumsum(count)
    before = np.r_[0, running][starts]
    within = running - before[group_of]
    total = within[np.r_[starts[1:], g.size] - 1]  # values per group
    cdf = (within - count / 2.0) / total[group_of]
    r = np.arange(g.size) - starts[group_of]
    m_row = m[group_of]
    b = r * (knots - 1) // np.maximum(m_row - 1, 1)
    step = np.r_[False, b[1:] != b[:-1]] & (r > 0)
    keep = (m_row <= knots) | (r == 0) | (r == m_row - 1) | step
    kept = np.bincount(group_of[keep], minlength=starts.size)
    return g[keep], v[keep], cdf[keep], g[starts], total, kept
