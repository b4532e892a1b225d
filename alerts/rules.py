"""Evaluate the alert rules of one month: which live firms each rule fires for, with severity,
the statistic that fired and its evidence in Chinese (values and dates).

Inputs are plain frames (the Dagster asset reads them from the warehouse); a month's alerts
depend only on data up to that month.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import polars as pl

from alerts import trend
from alerts.config import HISTORY_MONTHS, AlertingConfig, Rule

ALERT_SCHEMA = {
    "firm_id": pl.String,
    "period_month": pl.Date,
    "rule_code": pl.String,
    "severity": pl.String,
    "statistic": pl.Float64,
    "evidence_zh": pl.String,
    "evidence": pl.String,
    "is_new": pl.Boolean,
}

SERIES_ZH = {
    "tax_sales": ("纳税申报销售额", "万元", 1e-4),
    "power_kwh": ("用电量", "千瓦时", 1.0),
    "insured": ("参保人数", "人", 1.0),
    "overall_score": ("综合得分", "分", 1.0),
}
INDICATOR_ZH = {
    "open_enforcement_cases": ("未结执行案件数", "件"),
    "is_dishonest_debtor": ("失信被执行人", ""),
    "tax_arrears_ratio": ("欠税余额占月均销售额比", ""),
    "contribution_arrears_ratio": ("社保欠费占月均应缴比", ""),
    "open_wage_disputes": ("未结欠薪劳动争议", "件"),
    "penalties_in_publicity": ("公示期内行政处罚", "件"),
    "env_unrectified_penalties": ("未整改环境处罚", "件"),
    "is_abnormal_listed": ("列入经营异常名录", ""),
    "overdue_loan_ratio": ("逾期贷款占比", ""),
}
GRADE_ZH = {"healthy": "健康", "subhealthy": "亚健康", "unhealthy": "不健康"}


def add_months(month: dt.date, n: int) -> dt.date:
    """Return the first day of the month ``n`` months after ``month`` (negative: before)."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class MonthInputs:
    """What the rules of month ``month`` read.

    firms: ``firm_id`` of the live firms scored in the month (the only ones alerted), with
        ``peer_group``.
    scores: ``firm_id, period_month, overall_score, pd, grade_code`` for the month and up to
        23 months before.
    indicators: ``firm_id, period_month`` and the new-flag indicator columns for the month and
        the month before.
    series: ``firm_id, period_month, series, value`` monthly department series (tax_sales,
        power_kwh, insured) for the month and up to 23 months before.
    anomalies: ``firm_id, report_year, severity, item_name_zh, declared_value,
        department_value, gap_ratio, department_zh`` 智联查 anomalies of the report year last
        due at the month.
    """

    month: dt.date
    firms: pl.DataFrame
    scores: pl.DataFrame
    indicators: pl.DataFrame
    series: pl.DataFrame
    anomalies: pl.DataFrame


def _wide(frame: pl.DataFrame, firms: pl.Series, month: dt.date, n: int, value: str) -> np.ndarray:
    """Return a (firms x n months) array ending at ``month``; nan where a month is missing."""
    return _fill(_cells(frame, firms, month, n), firms.len(), n, value)


def _cells(frame: pl.DataFrame, firms: pl.Series, month: dt.date, n: int) -> pl.DataFrame:
    """Return the rows of ``frame`` in the n months ending at ``month`` with their cell: ``_row``
    (the firm's position in ``firms``) and ``_col`` (0 = the oldest month)."""
    start = month.year * 12 + month.month - 1 - (n - 1)
    index = pl.DataFrame({"firm_id": firms, "_row": np.arange(firms.len())})
    return (
        frame.join(index, on="firm_id", how="inner")
        .with_columns(
            _col=(
                pl.col("period_month").dt.year().cast(pl.Int32) * 12
                + pl.col("period_month").dt.month().cast(pl.Int32)
                - 1
                - start
            )
        )
        .filter((pl.col("_col") >= 0) & (pl.col("_col") < n))
    )


def _fill(cells: pl.DataFrame, rows: int, n: int, value: str) -> np.ndarray:
    out = np.full((rows, n), np.nan)
    cells = cells.filter(pl.col(value).is_not_null())
    out[cells["_row"].to_numpy(), cells["_col"].to_numpy()] = cells[value].cast(pl.Float64)
    return out


class Grid:
    """The month's inputs as (firms x months) arrays, each built once (for the longest window,
    ``HISTORY_MONTHS``) and sliced to the window a rule reads: 21 rules share 3 sources."""

    def __init__(self, inputs: MonthInputs, firms: pl.Series):
        self.inputs, self.firms = inputs, firms
        self._cells: dict[str, pl.DataFrame] = {}
        self._arrays: dict[tuple[str, str], np.ndarray] = {}

    def _source(self, base: str) -> tuple[pl.DataFrame, int]:
        if base == "indicators":
            return self.inputs.indicators, 2
        return getattr(self.inputs, base), HISTORY_MONTHS

    def matrix(self, source: str, value: str, n: int) -> np.ndarray:
        """Return ``_wide`` of column ``value`` over the ``n`` months ending at the month, from
        ``source``: ``"scores"``, ``"indicators"`` or the name of a series in ``series``."""
        base = source if source in ("scores", "indicators") else "series"
        frame, span = self._source(base)
        if n > span:
            raise ValueError(f"a rule reads {n} months of {source}; the inputs hold {span}")
        if (source, value) not in self._arrays:
            if base not in self._cells:
                self._cells[base] = _cells(frame, self.firms, self.inputs.month, span)
            cells = self._cells[base]
            if base == "series":
                cells = cells.filter(pl.col("series") == source)
            self._arrays[source, value] = _fill(cells, self.firms.len(), span, value)
        return self._arrays[source, value][:, span - n :]

    def grades(self) -> np.ndarray:
        """Return every firm's ``grade_code`` of the month (None where it has no score)."""
        if "grades" not in self._cells:
            month = self.inputs.scores.filter(pl.col("period_month") == self.inputs.month)
            self._cells["grades"] = pl.DataFrame({"firm_id": self.firms}).join(
                month.select("firm_id", "grade_code"), on="firm_id", how="left"
            )
        return self._cells["grades"]["grade_code"].to_numpy()


def _fmt(value: float, unit: str = "", scale: float = 1.0, digits: int = 1) -> str:
    if value is None or not np.isfinite(value):
        return "无数据"
    return f"{value * scale:,.{digits}f}{unit}"


def _pct(value: float) -> str:
    return "无数据" if value is None or not np.isfinite(value) else f"{value * 100:.1f}%"


def _frame(
    rule: Rule,
    month: dt.date,
    firms: pl.Series,
    hit: np.ndarray,
    stat: np.ndarray,
    texts,
    details,
    new: np.ndarray | None = None,
) -> pl.DataFrame:
    rows = np.flatnonzero(hit)
    return pl.DataFrame(
        {
            "firm_id": firms.gather(rows),
            "period_month": [month] * rows.size,
            "rule_code": [rule.code] * rows.size,
            "severity": [rule.severity] * rows.size,
            "statistic": stat[rows].astype(float),
            "evidence_zh": [texts(r) for r in rows],
            "evidence": [json.dumps(details(r), ensure_ascii=False, sort_keys=True) for r in rows],
            "is_new": None if new is None else new[rows],
        },
        schema=ALERT_SCHEMA,
    )


def _series_matrix(grid: Grid, name: str, n: int) -> np.ndarray:
    if name == "overall_score":
        return grid.matrix("scores", "overall_score", n)
    return grid.matrix(name, "value", n)


def _rule_grade(rule, grid, firms, month):
    now = grid.matrix("scores", "pd", 1)[:, 0]
    grades = grid.grades()
    hit = np.isin(grades, list(rule.params["grades"]))
    return _frame(
        rule,
        month,
        firms,
        hit,
        now,
        lambda r: (
            f"健康等级：{GRADE_ZH.get(grades[r], grades[r])}"
            + (f"（违约概率 {_pct(now[r])}）" if np.isfinite(now[r]) else "")
        ),
        lambda r: {"grade_code": grades[r], "pd": None if not np.isfinite(now[r]) else now[r]},
    )


def _rule_pd_doubling(rule, grid, firms, month):
    months = int(rule.params["months"])
    pd_ = grid.matrix("scores", "pd", months + 1)
    before, now = pd_[:, 0], pd_[:, -1]
    with trend.quiet():
        ratio = now / before
        hit = (ratio >= rule.params["factor"]) & (now >= rule.params["min_pd"])
    then = add_months(month, -months)
    return _frame(
        rule,
        month,
        firms,
        np.nan_to_num(hit, nan=0).astype(bool),
        ratio,
        lambda r: (
            f"违约概率由 {then:%Y-%m} 的 {_pct(before[r])} 升至 {month:%Y-%m} 的 "
            f"{_pct(now[r])}（{ratio[r]:.1f} 倍）"
        ),
        lambda r: {"pd_before": before[r], "pd_now": now[r], "month_before": str(then)},
    )


def _rule_peer_drop(rule, grid, firms, month):
    inputs = grid.inputs
    score = grid.matrix("scores", "overall_score", 2)
    change = score[:, 1] - score[:, 0]
    groups = inputs.firms["peer_group"].fill_null("").to_numpy()
    z = trend.robust_peer_z(change, groups, min_group=int(rule.params["min_group"]))
    hit = (z <= -rule.params["sigma"]) & (change <= -rule.params["min_points"])
    return _frame(
        rule,
        month,
        firms,
        np.nan_to_num(hit, nan=0).astype(bool),
        z,
        lambda r: (
            f"综合得分由 {_fmt(score[r, 0])} 降至 {_fmt(score[r, 1])}（{change[r]:+.1f} 分），"
            f"偏离同行业组月度变化 {z[r]:.1f} 个标准差"
        ),
        lambda r: {"score_before": score[r, 0], "score_now": score[r, 1], "peer_z": z[r]},
    )


def _rule_yoy_drop(rule, grid, firms, month):
    name = rule.params["series"]
    x = _series_matrix(grid, name, 15)
    label, unit, scale = SERIES_ZH[name]
    with trend.quiet():
        now = np.nanmean(x[:, -3:], axis=1) * 3
        last = np.nanmean(x[:, :3], axis=1) * 3
        change = now / last - 1
    observed = np.isfinite(x[:, -3:]).sum(axis=1) >= 2
    observed &= np.isfinite(x[:, :3]).sum(axis=1) >= 2
    hit = observed & (last >= rule.params["min_base"]) & (change <= -rule.params["drop"])
    hit = np.nan_to_num(hit, nan=0).astype(bool)
    per = "月均" if name == "insured" else "合计"
    div = 3 if name == "insured" else 1
    return _frame(
        rule,
        month,
        firms,
        hit,
        change,
        lambda r: (
            f"近3月{label}{per} {_fmt(now[r] / div, unit, scale)}，去年同期 "
            f"{_fmt(last[r] / div, unit, scale)}，同比 {change[r] * 100:+.0f}%"
        ),
        lambda r: {"last_3m": now[r], "same_3m_last_year": last[r], "yoy": change[r]},
    )


def _rule_change_point(rule, grid, firms, month):
    name = rule.params["series"]
    baseline, monitor = int(rule.params["baseline"]), int(rule.params["monitor"])
    x = _series_matrix(grid, name, baseline + monitor)
    s = trend.cusum_down(x, baseline, k=float(rule.params["k"]))
    e = trend.ewma_down(x, baseline, lam=float(rule.params["lam"]))
    with trend.quiet():
        base = trend.nanmedian_rows(x[:, :baseline])
        recent = np.nanmean(x[:, baseline:], axis=1)
    hit = (s > rule.params["h"]) & (e < -rule.params["ewma_z"])
    hit &= base > max(float(rule.params["min_base"]), 0.0)
    hit = np.nan_to_num(hit, nan=0).astype(bool)
    label, unit, scale = SERIES_ZH[name]
    start = add_months(month, -(monitor - 1))
    return _frame(
        rule,
        month,
        firms,
        hit,
        s,
        lambda r: (
            f"{label}自 {start:%Y-%m} 起持续低于基期水平：基期月中位数 "
            f"{_fmt(base[r], unit, scale)}，近{monitor}月月均 {_fmt(recent[r], unit, scale)}；"
            f"CUSUM {s[r]:.1f}（阈值 {rule.params['h']}），EWMA {e[r]:.1f}σ"
        ),
        lambda r: {
            "baseline_median": base[r],
            "recent_mean": recent[r],
            "cusum": s[r],
            "ewma": e[r],
        },
    )


def _rule_trend(rule, grid, firms, month):
    name = rule.params["series"]
    n = int(rule.params["months"])
    x = _series_matrix(grid, name, n)
    slope = trend.theil_sen_slopes(x, min_points=max(6, n // 2))
    tau, p = trend.kendall_trend_pvalues(x, min_points=max(6, n // 2))
    fall = -slope * (n - 1)
    with trend.quiet():
        mean = np.nanmean(x, axis=1)
        size = fall if name == "overall_score" else fall / np.abs(mean)
    hit = (slope < 0) & (p < rule.params["p_value"]) & (size >= rule.params["min_fall"])
    hit = np.nan_to_num(hit, nan=0).astype(bool)
    label, unit, scale = SERIES_ZH[name]
    return _frame(
        rule,
        month,
        firms,
        hit,
        slope,
        lambda r: (
            f"近{n}月{label}呈显著下降趋势：Theil–Sen 斜率 {_fmt(slope[r], unit, scale, 2)}/月"
            f"（Kendall τ={tau[r]:.2f}，p={p[r]:.3f}），拟合累计下降 {_fmt(fall[r], unit, scale)}"
        ),
        lambda r: {"slope_per_month": slope[r], "kendall_tau": tau[r], "p_value": p[r]},
    )


def _rule_new_flag(rule, grid, firms, month):
    code = rule.params["indicator"]
    x = grid.matrix("indicators", code, 2)
    before, now = x[:, 0], x[:, 1]
    above = float(rule.params["above"])
    # fires while the flag holds (the lifecycle resolves it when it clears); is_new marks the
    # month it appeared (a firm with no row the month before, such as the first month of data,
    # has nothing to compare with: its flags are not new)
    hit = np.nan_to_num(now, nan=-np.inf) > above
    new = hit & np.isfinite(before) & (np.nan_to_num(before, nan=np.inf) <= above)
    label, unit = INDICATOR_ZH.get(code, (code, ""))
    boolean = code.startswith("is_")

    def text(r):
        if boolean:
            return f"{label}" + ("（本月新增）" if new[r] else "")
        if not new[r]:
            return f"{label} {_fmt(now[r], unit, digits=0 if unit else 2)}"
        if unit:
            return (
                f"{label}由 {_fmt(before[r], unit, digits=0)} 增至 {_fmt(now[r], unit, digits=0)}"
            )
        return f"{label}由 {_fmt(before[r], digits=2)} 升至 {_fmt(now[r], digits=2)}"

    return _frame(
        rule,
        month,
        firms,
        hit,
        now,
        text,
        lambda r: {"indicator": code, "before": before[r], "now": now[r]},
        new,
    )


def _rule_crosscheck(rule, grid, firms, month):
    inputs = grid.inputs
    wanted = list(rule.params["severity"])
    found = (
        inputs.anomalies.filter(pl.col("severity").is_in(wanted))
        .sort("firm_id", "item_name_zh")
        .group_by("firm_id", maintain_order=True)
        .agg(
            pl.len().alias("_items"),
            pl.first("report_year"),
            pl.format(
                "{}（{}）填报 {}，部门数据 {}",
                "item_name_zh",
                "department_zh",
                pl.col("declared_value").round(1),
                pl.col("department_value").round(1),
            ).alias("_texts"),
        )
    )
    joined = pl.DataFrame({"firm_id": firms}).join(found, on="firm_id", how="left")
    items = joined["_items"].fill_null(0).to_numpy()
    years = joined["report_year"].to_list()
    texts = joined["_texts"].to_list()
    return _frame(
        rule,
        month,
        firms,
        items > 0,
        items.astype(float),
        lambda r: f"{years[r]} 年度报告与部门数据不一致 {items[r]} 项：" + "；".join(texts[r][:3]),
        lambda r: {"report_year": years[r], "items": int(items[r])},
    )


EVALUATORS = {
    "grade": _rule_grade,
    "pd_doubling": _rule_pd_doubling,
    "peer_drop": _rule_peer_drop,
    "yoy_drop": _rule_yoy_drop,
    "change_point": _rule_change_point,
    "trend": _rule_trend,
    "new_flag": _rule_new_flag,
    "crosscheck": _rule_crosscheck,
}


def evaluate_rules(inputs: MonthInputs, config: AlertingConfig) -> pl.DataFrame:
    """Return one row per live firm and firing rule of ``inputs.month`` (schema ALERT_SCHEMA),
    sorted by firm and rule.

    A rule whose inputs are missing (no PD yet, no series) simply fires for no firm.
    """
    firms = inputs.firms["firm_id"]
    grid = Grid(inputs, firms)
    parts = [EVALUATORS[rule.kind](rule, grid, firms, inputs.month) for rule in config.rules]
    out = pl.concat(parts) if parts else pl.DataFrame(schema=ALERT_SCHEMA)
    # json of nan -> NaN is not JSON: the evidence holds null instead
    out = out.with_columns(pl.col("evidence").str.replace_all("NaN", "null"))
    return out.sort("firm_id", "rule_code")
