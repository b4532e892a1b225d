"""Scorecard output frames: reasons down and up, what lifts a firm a grade, contributions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import polars as pl
import pyarrow as pa

from scoring.config import GRADE_LABELS_ZH
from scoring.explain import INSUFFICIENT_CODE, human_number, ragged_lists, top_k
from scoring.scorecard.evaluate import evaluate
from scoring.scorecard.types import Evaluation, ScorecardBase

# Per indicator: 101 percent texts, then "missing", then "has a record".
_BLOCK = 103
_MISSING = 101
_RECORD = 102
_EPS = 1e-9


def _keep(frame: pl.DataFrame, keep: Sequence[str] | None) -> list[str]:
    if keep is None:
        return [c for c in ("firm_id", "period_month") if c in frame.columns]
    missing = [c for c in keep if c not in frame.columns]
    if missing:
        raise ValueError(f"keep names column(s) not in the frame: {', '.join(missing)}")
    return list(keep)


def _reason_texts(model: ScorecardBase) -> list[str]:
    texts = []
    for m in model.active:
        group = "同组" if m.basis == "peer" and len(model.reference.levels) > 1 else "全体"
        word = "偏低" if m.direction == 1 else "偏高"
        texts += [f"{m.label}{word}（{group}排名后{p}%）" for p in range(101)]
        texts += [f"{m.label}：数据缺失", f"{m.label}：有记录"]
    return texts


def _strength_texts(model: ScorecardBase) -> list[str]:
    texts = []
    for m in model.active:
        group = "同组" if m.basis == "peer" and len(model.reference.levels) > 1 else "全体"
        word = "较高" if m.direction == 1 else "较低"
        texts += [f"{m.label}{word}（{group}排名前{p}%）" for p in range(101)]
        texts += ["", ""]
    return texts


def _bucket(percent: np.ndarray) -> np.ndarray:
    # Whole percent from 1 to 100: "后0%" would read as a mistake.
    return np.clip(np.floor(np.nan_to_num(percent) + 0.5), 1, 100).astype(np.int64)


def reason_lists(model: ScorecardBase, ev: Evaluation) -> dict[str, pl.Series]:
    """Return ``reasons``, ``reason_codes`` and ``strengths`` for every evaluated row.

    Reasons: every red flag, then up to ``max_reasons`` indicators that earn less than an
    average value would (``neutral - points``, largest first; a missing value whose bin is
    worse than average counts), then the 数据不足 note. A firm graded 亚健康 or 不健康 that
    is at least average on every indicator gets the indicators with the most room to improve
    (``max_points - points``) instead. Strengths: up to ``max_strengths``
    present values that earn more than average (adverse-event counts never: a clean record is
    the norm). Indicator reasons and strengths only for rows with an overall score.
    """
    config = model.config
    active = model.active
    n, k = ev.contribution.shape
    n_flags = len(config.red_flags)
    unscored = ~ev.sufficient
    loss = np.subtract(ev.neutral, ev.contribution, order="F")
    loss[(loss <= _EPS) | np.isnan(loss)] = -np.inf
    loss[unscored] = -np.inf
    is_absence = np.array([m.transform == "absence" for m in active])
    gain = np.subtract(ev.contribution, ev.neutral, order="F")
    # A strength must also sit in the better half of its group, so its text reads true
    # (a missing value, NaN, is never above 0.5).
    gain[~((gain > _EPS) & (ev.health > 0.5))] = -np.inf
    gain[:, is_absence] = -np.inf
    gain[unscored] = -np.inf
    # A firm graded below 健康 that is at least average everywhere still gets its reasons: the
    # indicators with the most room to improve.
    nothing = (
        (loss.max(axis=1, initial=-np.inf) == -np.inf)
        & np.isin(ev.grade_code, ("subhealthy", "unhealthy"))
        & ev.sufficient
    )
    if nothing.any():
        rows = np.flatnonzero(nothing)
        room = ev.max_points[rows] - ev.contribution[rows]
        loss[rows] = np.where(room > _EPS, room, -np.inf)
    reason_index, reason_ok = top_k(loss, config.max_reasons)
    strength_index, strength_ok = top_k(gain, config.max_strengths)
    chosen_health = np.take_along_axis(ev.health, reason_index, axis=1)
    chosen_value = np.take_along_axis(ev.values, reason_index, axis=1)
    slot = _bucket(100.0 * chosen_health)
    slot = np.where(np.isnan(chosen_health), _MISSING, slot)
    record = is_absence[reason_index] & (chosen_value > 0)
    slot = np.where(record, _RECORD, slot)

    texts = [label for _, label in config.red_flags] + _reason_texts(model)
    n_notes_i, n_notes_d = k + 1, len(model.dimensions) + 1
    need_indicators, need_dimensions = model.required()
    texts += [
        f"数据不足：可用指标{i}项（至少需{need_indicators}项），"
        f"覆盖维度{d}个（至少需{need_dimensions}个）"
        for i in range(n_notes_i)
        for d in range(n_notes_d)
    ]
    note_base = n_flags + k * _BLOCK
    codes = [c for c, _ in config.red_flags] + [m.code for m in active] + [INSUFFICIENT_CODE]
    flag_slots = np.broadcast_to(np.arange(n_flags), (n, n_flags))
    note = (
        note_base
        + np.minimum(ev.n_indicators, k).astype(np.int64) * n_notes_d
        + np.minimum(ev.n_dimensions, n_notes_d - 1)
    )
    text_ids = np.column_stack([flag_slots, n_flags + reason_index * _BLOCK + slot, note])
    code_ids = np.column_stack(
        [flag_slots, n_flags + reason_index, np.full(n, len(codes) - 1)]
    ).astype(np.int64)
    keep = np.column_stack([ev.flags, reason_ok, ~ev.sufficient])
    limit = np.maximum(config.max_reasons, keep[:, :n_flags].sum(axis=1))
    keep &= np.cumsum(keep, axis=1) <= limit[:, None]
    strength_slot = _bucket(100.0 * (1.0 - np.take_along_axis(ev.health, strength_index, axis=1)))
    return {
        "reasons": ragged_lists(text_ids.astype(np.int64), keep, texts, "reasons"),
        "reason_codes": ragged_lists(code_ids, keep, codes, "reason_codes"),
        "strengths": ragged_lists(
            strength_index * _BLOCK + strength_slot,
            strength_ok,
            _strength_texts(model),
            "strengths",
        ),
    }


def lift_plan(model: ScorecardBase, ev: Evaluation) -> dict[str, pl.Series]:
    """Return what would lift each row to the next grade.

    For rows graded 亚健康 or 不健康 with an overall score: the gap to the next grade's
    cut-off (``score_to_next_grade``) and up to ``max_lift_actions`` moves that close it.
    First choice is one indicator that closes the gap alone with the least change (the
    fewest peers to overtake); otherwise the indicators with the largest possible gains,
    largest first, until the gap is closed. A move brings a present value to the start of a
    better bin (fitted) or to the share that closes the gap (expert); a missing value is
    "report it" at the peer median. A red flag comes first: it has to be lifted whatever the
    score. Returns ``next_grade_code``, ``score_to_next_grade``, ``lift_codes``,
    ``lift_targets`` (the value to reach, null for reports and flags) and ``lift_actions``.
    """
    config = model.config
    active = model.active
    n, k = ev.contribution.shape
    healthy_min, subhealthy_min = model.score_cutoffs()
    flagged = ev.flags.any(axis=1)
    grade = ev.grade_code
    next_code = np.full(n, None, dtype=object)
    gap = np.full(n, np.nan)
    scored = ev.sufficient
    sub = scored & (grade == "subhealthy")
    low = scored & (grade == "unhealthy")
    next_code[sub] = "healthy"
    next_code[low] = "subhealthy"
    gap[sub] = healthy_min - ev.overall[sub]
    gap[low] = subhealthy_min - ev.overall[low]
    gap = np.where(low & flagged, np.maximum(subhealthy_min - ev.overall, 0.0), gap)
    need = (sub | low) & (gap > 0)

    # Only rows with a gap to close get a plan: the moves are searched on those rows alone.
    rows_in = np.flatnonzero(need)
    m_rows = rows_in.size
    part = _rows_of(ev, rows_in)
    gap_in = gap[rows_in]
    best_effort = np.full(m_rows, np.inf)
    best_i = np.full(m_rows, -1)
    best_target = np.full(m_rows, np.nan)
    best_gain = np.zeros(m_rows)
    max_gain = np.full((m_rows, k), -np.inf, order="F")
    max_target = np.full((m_rows, k), np.nan, order="F")
    for i, target, gain, effort in _moves(model, part, gap_in):
        ok = gain > _EPS
        closes = ok & (gain >= gap_in - _EPS) & (effort < best_effort)
        best_effort = np.where(closes, effort, best_effort)
        best_i = np.where(closes, i, best_i)
        best_target = np.where(closes, target, best_target)
        best_gain = np.where(closes, gain, best_gain)
        better = ok & (gain > max_gain[:, i])
        max_gain[:, i] = np.where(better, gain, max_gain[:, i])
        max_target[:, i] = np.where(better, target, max_target[:, i])

    order, ok = top_k(max_gain, max(config.max_lift_actions, 1))
    slots = order.shape[1]  # fewer when the model has fewer indicators
    gains = np.where(ok, np.take_along_axis(max_gain, order, axis=1), 0.0)
    before = np.cumsum(gains, axis=1) - gains
    ok &= before < gap_in[:, None] - _EPS  # stop once the gap is closed
    single = best_i >= 0
    order[single, 0] = best_i[single]
    ok[single] = False
    ok[single, 0] = True
    gains[single, 0] = best_gain[single]
    targets = np.take_along_axis(max_target, order, axis=1)
    targets[single, 0] = best_target[single]

    # Target share on the 0-1 health scale -> the value to reach in the firm's peer group.
    value = np.full(ok.shape, np.nan)
    for i, m in enumerate(active):
        hit = ok & (order == i) & ~np.isnan(targets)
        if not hit.any():
            continue
        rows, cols = np.nonzero(hit)
        share = targets[rows, cols] if m.direction == 1 else 1.0 - targets[rows, cols]
        value[rows, cols] = model.reference.value_at(share, part.table[rows, i])
        if m.transform == "absence":
            value[rows, cols] = np.where(targets[rows, cols] >= 1.0, 0.0, value[rows, cols])
    from_missing = np.isnan(np.take_along_axis(part.health, order, axis=1))

    long = pl.DataFrame(
        {
            "_row": np.repeat(rows_in, slots),
            "_i": order.ravel(),
            "_ok": ok.ravel(),
            "_gain": gains.ravel(),
            "_value": value.ravel(),
            "_missing": from_missing.ravel(),
        }
    ).filter(pl.col("_ok"))
    labels = [m.label for m in active]
    up = [m.direction == 1 for m in active]
    absence = [m.transform == "absence" for m in active]
    label = pl.col("_i").replace_strict(dict(enumerate(labels)), return_dtype=pl.String)
    is_up = pl.col("_i").replace_strict(dict(enumerate(up)), return_dtype=pl.Boolean)
    is_absence = pl.col("_i").replace_strict(dict(enumerate(absence)), return_dtype=pl.Boolean)
    # Human numbers (no e-notation, 万/亿), formatted once per distinct target value.
    targets = long["_value"].drop_nulls().unique()
    number = pl.col("_value").replace_strict(
        targets, [human_number(v) for v in targets.to_list()], default="", return_dtype=pl.String
    )
    gain_text = pl.format("（+{}分）", pl.col("_gain").round(1).cast(pl.String))
    action = (
        pl.when(pl.col("_missing"))
        .then(pl.format("补报{}数据并达到同组中等水平", label))
        .when(is_absence & (pl.col("_value") <= 0))
        .then(pl.format("消除{}记录", label))
        .when(is_up)
        .then(pl.format("{}提高至{}以上", label, number))
        .otherwise(pl.format("{}降至{}以下", label, number))
    )
    long = long.with_columns(
        _code=pl.col("_i").replace_strict(
            dict(enumerate(m.code for m in active)), return_dtype=pl.String
        ),
        _target=pl.when(pl.col("_missing")).then(None).otherwise(pl.col("_value")),
        _action=pl.concat_str([action, gain_text]),
    )
    grouped = (
        long.group_by("_row")
        .agg(pl.col("_code"), pl.col("_target"), pl.col("_action"))
        .join(pl.DataFrame({"_row": np.arange(n)}), on="_row", how="right")
        .sort("_row")
    )
    flag_codes = [c for c, _ in config.red_flags]
    flag_actions = [f"解除：{label}" for _, label in config.red_flags]
    if config.red_flags:
        flag_frame = pl.DataFrame(
            {
                "_flag_codes": ragged_lists(
                    np.broadcast_to(np.arange(len(flag_codes)), ev.flags.shape),
                    ev.flags,
                    flag_codes,
                    "_flag_codes",
                ),
                "_flag_actions": ragged_lists(
                    np.broadcast_to(np.arange(len(flag_codes)), ev.flags.shape),
                    ev.flags,
                    flag_actions,
                    "_flag_actions",
                ),
            }
        )
    else:
        empty = pl.Series([[]] * n, dtype=pl.List(pl.String))
        flag_frame = pl.DataFrame({"_flag_codes": empty, "_flag_actions": empty})
    no_target = flag_frame["_flag_codes"].list.eval(pl.element().cast(pl.Float64, strict=False))
    out = pl.concat([grouped, flag_frame], how="horizontal").select(
        lift_codes=pl.concat_list(
            pl.col("_flag_codes"), pl.col("_code").fill_null(pl.lit([], pl.List(pl.String)))
        ),
        lift_targets=pl.concat_list(
            no_target, pl.col("_target").fill_null(pl.lit([], pl.List(pl.Float64)))
        ),
        lift_actions=pl.concat_list(
            pl.col("_flag_actions"), pl.col("_action").fill_null(pl.lit([], pl.List(pl.String)))
        ),
    )
    return {
        "next_grade_code": pl.Series("next_grade_code", next_code.tolist(), dtype=pl.String),
        "score_to_next_grade": pl.Series(
            "score_to_next_grade", np.where(sub | low, np.maximum(gap, 0.0), np.nan)
        ).fill_nan(None),
        "lift_codes": out["lift_codes"],
        "lift_targets": out["lift_targets"],
        "lift_actions": out["lift_actions"],
    }


def _rows_of(ev: Evaluation, rows: np.ndarray) -> Evaluation:
    """Return the ``Evaluation`` of the given rows only (the arrays the moves read)."""
    return replace(
        ev,
        contribution=ev.contribution[rows],
        health=ev.health[rows],
        bins=ev.bins[rows],
        max_points=ev.max_points[rows],
        table=ev.table[rows],
    )


def _moves(model: ScorecardBase, ev: Evaluation, gap: np.ndarray):
    """Yield ``(indicator, target_health, gain, effort)`` candidate moves (arrays over rows).

    ``effort`` is the share of peers a firm must overtake (0.5 for reporting a missing value
    or clearing an adverse record), ``gain`` the overall-score points the move adds.
    """
    active = model.active
    n = ev.contribution.shape[0]
    if model.kind == "fitted":
        low, high = model._fitted_range()
        span = high - low
        refs = model.woe_refs()
        for i, m in enumerate(active):
            assert m.bins is not None
            health = ev.health[:, i]
            missing = np.isnan(health)
            current = ev.bins[:, i]
            median_bin = int(m.bins.assign(np.array([0.5]))[0])
            points = 100.0 * m.weight * (m.bins.woe - refs[i]) / span
            if np.all(np.diff(points) >= 0):
                yield from _monotone_moves(
                    i, m.bins, points, ev.contribution[:, i], health, current, gap, median_bin
                )
                continue
            for j in range(m.bins.woe.size):
                points = 100.0 * m.weight * (m.bins.woe[j] - refs[i]) / span
                gain = points - ev.contribution[:, i]
                edge = m.bins.lower_edge(j)
                effort = np.where(missing, 0.5, edge - health)
                valid = np.where(missing, j == median_bin, j > current)
                yield i, np.full(n, edge), np.where(valid, gain, -np.inf), effort
    else:
        for i, m in enumerate(active):
            health = ev.health[:, i]
            present = ~np.isnan(health)
            if m.transform == "absence":
                gain = np.where(present, ev.max_points[:, i] - ev.contribution[:, i], -np.inf)
                yield i, np.full(n, 1.0), gain, np.full(n, 0.5)
                continue
            per_share = ev.max_points[:, i]
            top = 0.99  # the best a firm can do is overtake (nearly) all of its peers
            with np.errstate(divide="ignore", invalid="ignore"):
                needed = health + gap / per_share  # the share that closes the gap exactly
            reachable = present & (needed <= top) & (per_share > 0)
            yield (
                i,
                np.full(n, top),
                np.where(present, per_share * (top - health), -np.inf),
                np.where(present, top - health, np.inf),
            )
            yield (
                i,
                np.where(reachable, needed, np.nan),
                np.where(reachable, gap, -np.inf),
                np.where(reachable, needed - health, np.inf),
            )


def _monotone_moves(i, bins, points, contribution, health, current, gap, median_bin):
    """Yield the moves of one indicator whose points never fall from bin to bin: per row the
    first better bin that closes the gap (the least effort that does), the best bin (the most
    gain), and for a missing value the median bin; the same choice as trying every bin, at
    the cost of three."""
    n = contribution.size
    missing = np.isnan(health)
    edges = np.r_[0.0, bins.cuts]
    last = points.size - 1
    close = np.searchsorted(points, contribution + gap - _EPS, side="left")
    close = np.minimum(np.maximum(close, current + 1), last + 1)
    ok = ~missing & (close <= last)
    at = np.minimum(close, last)
    yield i, edges[at], np.where(ok, points[at] - contribution, -np.inf), edges[at] - health
    best = int(np.argmax(points))
    yield (
        i,
        np.full(n, edges[best]),
        np.where(~missing & (best > current), points[best] - contribution, -np.inf),
        edges[best] - health,
    )
    yield (
        i,
        np.full(n, edges[median_bin]),
        np.where(missing, points[median_bin] - contribution, -np.inf),
        np.where(missing, 0.5, np.inf),
    )


def score_frame(
    model: ScorecardBase, frame: pl.DataFrame, keep: Sequence[str] | None
) -> pl.DataFrame:
    """Return ``Scorecard.score`` output (see there)."""
    keep = _keep(frame, keep)
    ev = evaluate(model, frame)
    grade = pl.Series("grade_code", ev.grade_code, dtype=pl.String)
    flags = ragged_lists(
        np.broadcast_to(np.arange(ev.flags.shape[1]), ev.flags.shape),
        ev.flags,
        [label for _, label in model.config.red_flags],
        "red_flags",
    )
    peer_group = model.reference.group_labels(frame)
    columns = {
        **{
            f"score_{d}": pl.Series(ev.dimension_scores[:, j]).fill_nan(None)
            for j, d in enumerate(model.dimensions)
        },
        "overall_score": pl.Series(ev.overall).fill_nan(None),
        "grade": grade.replace_strict(GRADE_LABELS_ZH, return_dtype=pl.String),
        "grade_code": grade,
        "red_flags": flags,
        "n_indicators": pl.Series(ev.n_indicators.astype(np.int32)),
        "n_dimensions": pl.Series(ev.n_dimensions.astype(np.int32)),
        "peer_group": peer_group,
        **reason_lists(model, ev),
        "pd": pl.Series(ev.pd).fill_nan(None),
        "points": pl.Series(ev.points).fill_nan(None),
        **lift_plan(model, ev),
        "model_kind": pl.repeat(model.kind, frame.height, dtype=pl.String, eager=True),
    }
    out = pl.DataFrame({name: series for name, series in columns.items()})
    return pl.concat([frame.select(keep), out], how="horizontal")


def _categories(
    index: np.ndarray, names: Sequence[str], missing: np.ndarray | None = None
) -> pl.Series:
    """Return a Categorical Series ``names[index]`` (null where ``missing``), without
    building one Python string per row."""
    indices = pa.array(index.astype(np.int32), mask=missing)
    return pl.Series(pa.DictionaryArray.from_arrays(indices, pa.array(list(names))))


def explain_frame(
    model: ScorecardBase, frame: pl.DataFrame, keep: Sequence[str] | None
) -> pl.DataFrame:
    """Return ``Scorecard.explain`` output (see there)."""
    keep = _keep(frame, keep)
    ev = evaluate(model, frame)
    active = model.active
    n, k = ev.contribution.shape
    rows = np.repeat(np.arange(n), k)
    slot = np.tile(np.arange(k, dtype=np.int32), n)
    dimension_of = np.array([model.dimensions.index(m.dimension) for m in active], dtype=np.int32)
    names, name_of_table = np.unique(np.asarray(model.reference.table_names), return_inverse=True)
    table = ev.table.ravel()
    peer = np.where(table >= 0, name_of_table[np.maximum(table, 0)], 0).astype(np.int32)
    bank = ev.contribution * model.points_per_score() if model.has_pd else None
    scored = np.repeat(ev.sufficient, k)
    out = pl.DataFrame(
        {
            "indicator_code": _categories(slot, [m.code for m in active]),
            "dimension": _categories(dimension_of[slot], list(model.dimensions)),
            "value": ev.values.ravel(),
            "peer_group": _categories(peer, names.tolist(), table < 0),
            "peer_share": ev.share.ravel(),
            "bin": ev.bins.ravel().astype(np.int32),
            "woe": ev.woe.ravel(),
            "points": np.where(scored, ev.contribution.ravel(), np.nan),
            "max_points": ev.max_points.ravel(),
            "neutral_points": ev.neutral.ravel(),
            "dimension_points": ev.dimension_points.ravel(),
            "bank_points": np.where(scored, bank.ravel(), np.nan)
            if bank is not None
            else np.full(n * k, np.nan),
        },
        strict=False,
    ).with_columns(pl.col(pl.Float64).fill_nan(None))
    # ravel() walks row by row whatever the memory order, matching ``rows``.
    if not keep:
        return out
    return pl.concat([frame.select(keep)[rows], out], how="horizontal")


__all__ = ["explain_frame", "lift_plan", "reason_lists", "score_frame"]
