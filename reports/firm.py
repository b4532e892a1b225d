"""One firm's check-up report (专属企检报告): the view model a template renders, from MonthData."""

from __future__ import annotations

import datetime as dt

from alerts.config import SEVERITY_ZH
from alerts.lifecycle import STATE_ZH
from reports.charts import radar_svg, trend_svg
from reports.data import SERIES, TREND_MONTHS, Catalog, MonthData, add_months
from scoring.config import DIMENSION_LABELS_ZH, DIMENSIONS, GRADE_LABELS_ZH

GRADE_CLASS = {
    "healthy": "g-healthy",
    "subhealthy": "g-subhealthy",
    "unhealthy": "g-unhealthy",
}
MODEL_ZH = {"fitted": "拟合模型（有违约历史校准）", "expert": "专家模型（无违约概率）"}


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _month(d: dt.date | None) -> str:
    return "—" if d is None else f"{d:%Y-%m}"


def _reason_rows(score: dict, contrib: dict[str, dict], catalog: Catalog) -> list[dict]:
    """The reasons pulling the score down, each with the points it costs against an average
    value of its peer group (neutral_points - points: exact, from the contributions)."""
    rows = []
    for text, code in zip(
        score.get("reasons") or [], score.get("reason_codes") or [], strict=False
    ):
        c = contrib.get(code)
        ind = catalog.indicators.get(code)
        if code in catalog.red_flags:
            points = "强制不健康"
            source = catalog.red_flags[code]["action_department_zh"]
        elif c is not None:
            points = f"{c['points'] - c['neutral_points']:+.2f} 分"
            source = ind["department_zh"] if ind else "—"
        else:
            points, source = "—", ind["department_zh"] if ind else "—"
        rows.append({"text": text, "points": points, "source": source, "code": code})
    return rows


def _strength_rows(score: dict, contrib: dict[str, dict], catalog: Catalog) -> list[dict]:
    """The strengths, each matched to its indicator by the catalog label the text starts with,
    with the points it earns above an average value (points - neutral_points)."""
    by_label = sorted(catalog.indicators.values(), key=lambda r: -len(r["name_zh"]))
    rows = []
    for text in score.get("strengths") or []:
        ind = next((r for r in by_label if text.startswith(r["name_zh"])), None)
        c = contrib.get(ind["indicator_code"]) if ind else None
        points = "—" if c is None else f"{c['points'] - c['neutral_points']:+.2f} 分"
        source = ind["department_zh"] if ind else "—"
        rows.append({"text": text, "points": points, "source": source})
    return rows


def _alert_rows(alerts: list[dict]) -> list[dict]:
    """One row per rule (an alert goes to several agencies): state, severity, agencies."""
    order = ["escalated", "new", "ongoing", "pending", "silenced", "inhibited", "resolved"]
    grouped: dict[str, dict] = {}
    for a in alerts:
        g = grouped.setdefault(
            a["rule_code"],
            {
                "rule": a["rule_name_zh"] or a["rule_code"],
                "severity": SEVERITY_ZH.get(a["severity"], a["severity"]),
                "states": set(),
                "agencies": [],
                "first_sent": a["first_sent_month"],
                "evidence": a["evidence_zh"] or a["note_zh"] or "",
            },
        )
        g["states"].add(a["state"])
        if a["agency_name_zh"] and a["agency_name_zh"] not in g["agencies"]:
            g["agencies"].append(a["agency_name_zh"])
        if a["first_sent_month"] and (
            not g["first_sent"] or a["first_sent_month"] < g["first_sent"]
        ):
            g["first_sent"] = a["first_sent_month"]
    rows = []
    for code, g in grouped.items():
        state = min(g["states"], key=lambda s: order.index(s) if s in order else 99)
        rows.append(
            {
                "code": code,
                "rule": g["rule"],
                "severity": g["severity"],
                "state": STATE_ZH.get(state, state),
                "state_code": state,
                "agencies": "、".join(g["agencies"]),
                "first_sent": _month(g["first_sent"]),
                "evidence": g["evidence"],
            }
        )
    rows.sort(key=lambda r: (r["state_code"] == "resolved", r["code"]))
    return rows


def _sources(data: MonthData, fid: str, score: dict) -> list[dict]:
    """Where each figure comes from and how current it is."""
    cov = data.coverage.get(fid, {})
    as_of = {k: _month(v) for k, v in cov.items()}
    rows = [
        {
            "figure": "综合得分、等级、违约概率、银行积分",
            "source": f"评分模型 {score.get('model_version') or '—'}",
            "as_of": _month(data.month),
        },
        {
            "figure": "五维得分与同组分布",
            "source": f"同组企业（{score.get('peer_group') or '—'}）本月评分",
            "as_of": _month(data.month),
        },
    ]
    departments = {"税务": "tax", "电力": "power", "人社": "hrss"}
    for _key, label, _table, _column, src in SERIES:
        as_of_src = as_of.get(departments[src], "无记录")
        rows.append({"figure": f"趋势：{label}", "source": src, "as_of": as_of_src})
    rows.append(
        {"figure": "预警及其状态", "source": "月度风险诉求预警清单", "as_of": _month(data.month)}
    )
    return rows


def firm_context(
    data: MonthData,
    fid: str,
    catalog: Catalog,
    queries: dict | None = None,
    queries_note: str = "",
) -> dict:
    """Return the template context of one firm's report for ``data.month``.

    Raises ``KeyError`` when the firm has no score that month.
    """
    firm = data.firms.get(fid)
    score = data.scores[fid]
    contrib = data.contributions.get(fid, {})
    grade_code = score.get("grade_code") or ""
    months = [add_months(data.month, -i) for i in range(TREND_MONTHS - 1, -1, -1)]
    labels = [f"{m:%Y-%m}" for m in months]
    hist = {r["period_month"]: r for r in data.history.get(fid, [])}

    peer = data.peers.get(score.get("peer_group")) or {}
    q1, med, q3 = [], [], []
    for d in DIMENSIONS:
        q = peer.get(f"q_{d}") or [None, None, None]
        q1.append(q[0])
        med.append(q[1])
        q3.append(q[2])
    dim_scores = [score.get(f"score_{d}") for d in DIMENSIONS]
    radar = radar_svg([DIMENSION_LABELS_ZH[d] for d in DIMENSIONS], dim_scores, med, q1, q3)
    dimension_rows = [
        {
            "label": DIMENSION_LABELS_ZH[d],
            "score": _fmt(dim_scores[i]),
            "median": _fmt(med[i]),
            "iqr": f"{_fmt(q1[i])} ~ {_fmt(q3[i])}",
        }
        for i, d in enumerate(DIMENSIONS)
    ]

    trends = [
        {
            "label": "综合得分",
            "svg": trend_svg(
                labels, [hist.get(m, {}).get("overall_score") for m in months], fmt="{:.1f}"
            ),
            "source": "评分模型",
        }
    ]
    firm_series = data.series.get(fid, {})
    for key, label, _t, _e, src in SERIES:
        values = [firm_series.get(key, {}).get(m) for m in months]
        trends.append({"label": label, "svg": trend_svg(labels, values), "source": src})

    cov = data.coverage.get(fid, {})
    departments = [
        {
            "code": code,
            "name": name,
            "reported": code in cov,
            "as_of": (f"{cov[code]:%Y-%m-%d}" if code in cov else "无记录"),
        }
        for code, name in sorted(catalog.departments.items())
    ]
    prev = score.get("previous") or {}
    change = None
    if prev.get("overall_score") is not None and score.get("overall_score") is not None:
        change = score["overall_score"] - prev["overall_score"]
    q = (queries or {}).get(fid, {"total": 0, "rows": []})
    return {
        "firm_id": fid,
        "name": (firm or {}).get("firm_name") or fid,
        "industry": (firm or {}).get("industry_class_name") or "—",
        "region": f"{(firm or {}).get('city_name') or ''}{(firm or {}).get('county_name') or ''}",
        "founded": _month((firm or {}).get("founded_date")),
        "month": f"{data.month:%Y-%m}",
        "status": score.get("firm_status_zh") or "—",
        "grade": score.get("grade") or "—",
        "grade_code": grade_code,
        "grade_class": GRADE_CLASS.get(grade_code, "g-other"),
        "overall": _fmt(score.get("overall_score")),
        "previous_grade": prev.get("grade") or "—",
        "change": "—" if change is None else f"{change:+.1f}",
        "pd": "—" if score.get("pd") is None else f"{score['pd'] * 100:.2f}%",
        "points": _fmt(score.get("points"), 0),
        "model": MODEL_ZH.get(score.get("model_kind"), score.get("model_kind") or "—"),
        "model_version": score.get("model_version") or "—",
        "peer_group": score.get("peer_group") or "—",
        "peer_n": peer.get("n") or 0,
        "radar": radar,
        "dimensions": dimension_rows,
        "trends": trends,
        "reasons": _reason_rows(score, contrib, catalog),
        "strengths": _strength_rows(score, contrib, catalog),
        "next_grade": GRADE_LABELS_ZH.get(score.get("next_grade_code") or "", None),
        "score_to_next": _fmt(score.get("score_to_next_grade")),
        "lift_actions": list(score.get("lift_actions") or []),
        "alerts": _alert_rows(data.alerts.get(fid, [])),
        "departments": departments,
        "n_reported": sum(d["reported"] for d in departments),
        "n_departments": len(departments),
        "sources": _sources(data, fid, score),
        "queries": q,
        "queries_note": queries_note,
    }
