"""Reasons and strengths: the indicators that cost or earn a firm the most overall points."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl
import pyarrow as pa

from scoring.config import DIMENSIONS, IndicatorSpec, ScoringConfig

MAX_REASONS = 3
MAX_STRENGTHS = 2
INSUFFICIENT_CODE = "insufficient_data"
# Whole percents 0..100 index the pre-built texts of each indicator.
_BUCKETS = 101


def top_k(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the column indices of the ``k`` largest values per row, and which are real.

    ``-inf`` marks a candidate that does not qualify and never ranks; ties go to the earlier
    column, so results are deterministic.

    Parameters
    ----------
    values : numpy.ndarray
        2-D float array (rows x candidates) without NaN.
    k : int
        Number of columns wanted per row.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Integer indices of shape ``(rows, min(k, candidates))``, largest first, and a
        boolean array of the same shape that is False where the slot holds no candidate.

    Examples
    --------
    >>> index, ok = top_k(np.array([[1.0, -np.inf, 3.0]]), 2)
    >>> index.tolist(), ok.tolist()
    ([[2, 0]], [[True, True]])
    """
    key = values.copy()
    rows = np.arange(key.shape[0])
    slots = min(k, key.shape[1])
    index = np.zeros((key.shape[0], slots), dtype=np.int64)
    ok = np.zeros((key.shape[0], slots), dtype=bool)
    for slot in range(slots):
        best = key.argmax(axis=1)
        index[:, slot] = best
        ok[:, slot] = key[rows, best] > -np.inf
        key[rows, best] = -np.inf
    return index, ok


def ragged_lists(ids: np.ndarray, keep: np.ndarray, table: Sequence[str], name: str) -> pl.Series:
    """Return a ``list[str]`` Series whose row r holds ``table[ids[r, j]]`` for kept j, in order.

    Built from offsets and one flat gather, so it costs the same for a million rows as a
    single string column.

    Parameters
    ----------
    ids : numpy.ndarray
        Rows x slots integer indices into ``table``.
    keep : numpy.ndarray
        Boolean array of the same shape; False slots are left out.
    table : sequence of str
        The strings.
    name : str
        Name of the Series.

    Returns
    -------
    polars.Series
        ``List(String)`` Series of ``ids.shape[0]`` rows.

    Examples
    --------
    >>> ragged_lists(np.array([[0, 1], [1, 0]]), np.array([[True, True], [False, True]]),
    ...              ["甲", "乙"], "r").to_list()
    [['甲', '乙'], ['甲']]
    """
    offsets = np.zeros(ids.shape[0] + 1, dtype=np.int64)
    np.cumsum(keep.sum(axis=1), out=offsets[1:])
    # Gathered in Arrow: no round trip through polars' string views and back.
    values = pa.array(list(table), pa.large_string()).take(pa.array(ids[keep]))
    return pl.Series(name, pa.LargeListArray.from_arrays(pa.array(offsets), values))


def _percent_bucket(points: np.ndarray) -> np.ndarray:
    # Whole percent from 1 to 100: "后0%" would read as a mistake.
    return np.clip(np.floor(np.nan_to_num(points) + 0.5), 1, 100).astype(np.int64)


def reason_text(spec: IndicatorSpec, percent: int) -> str:
    """Return the Chinese reason for an indicator that pulls a firm down.

    ``percent`` is the firm's position from the bottom of its peer group (its points).

    Examples
    --------
    >>> reason_text(IndicatorSpec("x", "operations", 1, label_zh="纳税销售额同比增速"), 12)
    '纳税销售额同比增速偏低（同组排名后12%）'
    """
    if spec.transform == "absence":
        return f"{spec.label}：有记录"
    word = "偏低" if spec.direction == 1 else "偏高"
    return f"{spec.label}{word}（同组排名后{percent}%）"


def strength_text(spec: IndicatorSpec, percent: int) -> str:
    """Return the Chinese strength for an indicator that lifts a firm.

    ``percent`` is the firm's position from the top of its peer group (100 - points).

    Examples
    --------
    >>> strength_text(IndicatorSpec("debt_ratio", "structure", -1, label_zh="资产负债率"), 5)
    '资产负债率较低（同组排名前5%）'
    """
    word = "较高" if spec.direction == 1 else "较低"
    return f"{spec.label}{word}（同组排名前{percent}%）"


def explanations(
    points: np.ndarray,
    share: np.ndarray,
    sufficient: np.ndarray,
    flags: np.ndarray,
    n_indicators: np.ndarray,
    n_dimensions: np.ndarray,
    indicators: Sequence[IndicatorSpec],
    config: ScoringConfig,
) -> dict[str, pl.Series]:
    """Return the ``reasons``, ``reason_codes`` and ``strengths`` list columns.

    Reasons are, in order: every red flag (Chinese label; code = flag column); up to three
    indicators that cost the most overall points, ``share * (100 - points)``, among those
    below the peer median or with an adverse event; and, for firms without enough data, a
    数据不足 note (code ``insufficient_data``). The list is cut at three entries, or at the
    number of red flags when there are more. Indicator reasons and strengths are given only
    to firms with an overall score. Strengths are the two peer-percentile indicators above
    the peer median that earn the most, ``share * points``; a clean adverse-event record is
    the norm, not a strength.

    Parameters
    ----------
    points, share : numpy.ndarray
        Rows x indicators: 0-100 points and overall shares (NaN = missing).
    sufficient : numpy.ndarray
        Boolean per row: the firm has enough data for an overall score.
    flags : numpy.ndarray
        Rows x red flags, boolean, in ``config.red_flags`` order.
    n_indicators, n_dimensions : numpy.ndarray
        Available indicators and dimensions per row (for the 数据不足 note).
    indicators : sequence of IndicatorSpec
        Column order of ``points`` and ``share``.
    config : ScoringConfig
        Supplies red-flag labels and the data-sufficiency minimums.

    Returns
    -------
    dict of str to polars.Series
        ``reasons``, ``reason_codes`` and ``strengths`` (each ``List(String)``).

    Examples
    --------
    >>> specs = [IndicatorSpec("a", "operations", 1, label_zh="营收增速"),
    ...          IndicatorSpec("b", "risk", -1, label_zh="负债率")]
    >>> out = explanations(np.array([[10.0, 80.0]]), np.array([[0.5, 0.5]]),
    ...     np.array([True]), np.zeros((1, 0), bool), np.array([2]), np.array([2]),
    ...     specs, ScoringConfig(red_flags=()))
    >>> out["reasons"].to_list(), out["strengths"].to_list()
    ([['营收增速偏低（同组排名后10%）']], [['负债率较低（同组排名前20%）']])
    """
    n_rows, n_ind = points.shape
    n_flags = len(config.red_flags)
    is_absence = np.array([s.transform == "absence" for s in indicators])
    # Points below / above these cost / earn the firm (NaN compares False: missing never does).
    down_below = np.where(is_absence, 100.0, 50.0)
    up_above = np.where(is_absence, np.inf, 50.0)
    with np.errstate(invalid="ignore"):
        loss = 100.0 - points
        loss *= share
        loss[~(points < down_below)] = -np.inf
        gain = share * points
        gain[~(points > up_above)] = -np.inf
    reason_index, reason_ok = top_k(loss, MAX_REASONS)
    strength_index, strength_ok = top_k(gain, MAX_STRENGTHS)
    reason_ok &= sufficient[:, None]
    strength_ok &= sufficient[:, None]
    reason_bucket = _percent_bucket(np.take_along_axis(points, reason_index, axis=1))
    strength_bucket = _percent_bucket(100.0 - np.take_along_axis(points, strength_index, axis=1))

    # One lookup table per output: flags, then indicator texts by percent, then notes.
    note_base = n_flags + n_ind * _BUCKETS
    texts = [label for _, label in config.red_flags]
    texts += [reason_text(s, p) for s in indicators for p in range(_BUCKETS)]
    texts += [
        f"数据不足：可用指标{i}项（至少需{config.min_indicators}项），"
        f"覆盖维度{d}个（至少需{config.min_dimensions}个）"
        for i in range(n_ind + 1)
        for d in range(len(DIMENSIONS) + 1)
    ]
    codes = [column for column, _ in config.red_flags] + [s.code for s in indicators]
    codes.append(INSUFFICIENT_CODE)

    flag_slots = np.broadcast_to(np.arange(n_flags), (n_rows, n_flags))
    note = note_base + n_indicators.astype(np.int64) * (len(DIMENSIONS) + 1) + n_dimensions
    text_ids = np.column_stack(
        [flag_slots, n_flags + reason_index * _BUCKETS + reason_bucket, note]
    ).astype(np.int64)
    code_ids = np.column_stack(
        [flag_slots, n_flags + reason_index, np.full(n_rows, len(codes) - 1)]
    ).astype(np.int64)
    keep = np.column_stack([flags.astype(bool), reason_ok, ~sufficient])
    limit = np.maximum(MAX_REASONS, keep[:, :n_flags].sum(axis=1))
    keep &= np.cumsum(keep, axis=1) <= limit[:, None]

    strength_texts = [strength_text(s, p) for s in indicators for p in range(_BUCKETS)]
    return {
        "reasons": ragged_lists(text_ids, keep, texts, "reasons"),
        "reason_codes": ragged_lists(code_ids, keep, codes, "reason_codes"),
        "strengths": ragged_lists(
            strength_index * _BUCKETS + strength_bucket, strength_ok, strength_texts, "strengths"
        ),
    }


def human_number(value: float, digits: int = 3) -> str:
    """Return ``value`` as a person reads it: ``digits`` significant figures, at most four
    decimals, never e-notation, 万 (10^4) and 亿 (10^8) for large magnitudes.

    A next-grade target such as "降至3.48e-18以下" is floating-point dust around 0 and reads
    "降至0以下"; 1234567 reads "123万".

    Examples
    --------
    >>> [human_number(v) for v in (3.48e-18, 0.123456, -0.00042, 12.5, 1234567.0, 2.5e9)]
    ['0', '0.123', '-0.0004', '12.5', '123万', '25亿']
    >>> human_number(float("nan"))
    ''
    """
    if not math.isfinite(value):
        return ""
    magnitude, unit = abs(value), ""
    if magnitude >= 1e8:
        value, unit = value / 1e8, "亿"
    elif magnitude >= 1e4:
        value, unit = value / 1e4, "万"
    if value == 0:
        return "0" + unit if unit else "0"
    exponent = math.floor(math.log10(abs(value)))
    decimals = min(max(digits - 1 - exponent, 0), 4)
    text = f"{round(value, decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text + unit
