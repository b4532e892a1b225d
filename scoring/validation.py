"""Model validation: discrimination, calibration, stability and fairness, side by side with
baselines, as a JSON-ready dict and a Markdown report.

Every score compared here is "higher is healthier". Scores without their own PD (the
baselines) are Platt-scaled on the calibration window first, so Brier score and calibration by
grade compare like with like; grades use the same PD cut-offs for every score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from scoring.binning import smoothed_woe
from scoring.config import IndicatorSpec, ScoringConfig
from scoring.governance import render_refits
from scoring.logistic import fit_platt
from scoring.metrics import brier_score, ks_statistic, psi, roc_auc
from scoring.panel import score_panel
from scoring.scorecard import Evaluation, Scorecard
from scoring.training import MONTH, OUTCOME, ModelChoice, Windows

#: Altman Z'' (1995, non-manufacturers and emerging markets) coefficients.
ALTMAN_Z2 = {"x1": 6.56, "x2": 3.26, "x3": 6.72, "x4": 1.05}
ALTMAN_PROXY_NOTE = (
    "Altman Z''-style baseline from the annual-report ratios available: "
    "Z'' = 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4 with X1 (working capital / total assets) "
    "proxied by the equity ratio 1 - debt/assets (no current assets or liabilities are filed), "
    "X2 (retained earnings / assets) and X3 (EBIT / assets) both proxied by ROA (net profit / "
    "assets), and X4 = book equity / total liabilities = (1 - d) / d, capped at 10. "
    "Missing when debt/assets or ROA is missing."
)


def altman_z_proxy(
    frame: pl.DataFrame, debt_to_assets: str = "debt_to_assets", roa: str = "roa"
) -> pl.Series:
    """Return an Altman Z''-style score (higher is healthier) from leverage and ROA.

    See ``ALTMAN_PROXY_NOTE`` for the proxies; null where an input is missing or not finite.

    Examples
    --------
    >>> frame = pl.DataFrame({"debt_to_assets": [0.5, 0.9, None], "roa": [0.05, -0.1, 0.1]})
    >>> altman_z_proxy(frame).round(3).to_list()
    [4.829, -0.225, None]
    """
    d = pl.col(debt_to_assets).cast(pl.Float64)
    r = pl.col(roa).cast(pl.Float64)
    equity_ratio = 1.0 - d
    x4 = pl.when(d > 0).then((equity_ratio / d).clip(upper_bound=10.0)).otherwise(10.0)
    z = (
        ALTMAN_Z2["x1"] * equity_ratio
        + (ALTMAN_Z2["x2"] + ALTMAN_Z2["x3"]) * r
        + ALTMAN_Z2["x4"] * x4
    )
    z = pl.when(d.is_finite() & r.is_finite()).then(z)
    return frame.select(z.alias("altman_z"))["altman_z"]


def _grades(pd: np.ndarray, healthy_max_pd: float, subhealthy_max_pd: float) -> np.ndarray:
    return np.where(
        pd < healthy_max_pd, "healthy", np.where(pd < subhealthy_max_pd, "subhealthy", "unhealthy")
    )


def calibration_by_grade(
    y: np.ndarray, pd: np.ndarray, grade: np.ndarray
) -> list[dict[str, float | int | str]]:
    """Return predicted (mean PD) and observed event rate per grade, with the relative gap.

    Examples
    --------
    >>> calibration_by_grade(np.array([0, 1, 0, 0]), np.array([0.1, 0.6, 0.2, 0.1]),
    ...                      np.array(["a", "b", "a", "a"]))[0]["observed"]
    0.0
    """
    out = []
    for g in sorted(set(grade.tolist())):
        mask = grade == g
        predicted = float(pd[mask].mean())
        observed = float(y[mask].mean())
        out.append(
            {
                "grade": g,
                "rows": int(mask.sum()),
                "events": int(y[mask].sum()),
                "predicted": predicted,
                "observed": observed,
                "relative_error": (predicted - observed) / observed if observed > 0 else None,
            }
        )
    return out


def auc_by_group(
    y: np.ndarray, risk: np.ndarray, groups: np.ndarray, min_events: int = 20
) -> dict[str, object]:
    """Return the AUC in every group with at least ``min_events`` events and non-events, and
    the gap between the best and the worst of them.

    Examples
    --------
    >>> y = np.array([0, 1, 0, 1, 0, 1, 1, 0])
    >>> r = np.array([0.1, 0.9, 0.2, 0.8, 0.9, 0.1, 0.7, 0.3])
    >>> auc_by_group(y, r, np.array(list("aaaabbbb")), min_events=1)["gap"]
    0.75
    """
    table = []
    for g in sorted({str(v) for v in groups.tolist()}):
        mask = groups.astype(str) == g
        events = int(y[mask].sum())
        if min(events, int(mask.sum()) - events) < min_events:
            continue
        table.append(
            {
                "group": g,
                "rows": int(mask.sum()),
                "events": events,
                "auc": roc_auc(y[mask], risk[mask]),
            }
        )
    aucs = [row["auc"] for row in table]
    return {
        "groups": table,
        "gap": float(max(aucs) - min(aucs)) if aucs else None,
        "min_events": min_events,
    }


def score_metrics(
    y: np.ndarray,
    health: np.ndarray,
    pd: np.ndarray,
    cutoffs: tuple[float, float],
    groups: Mapping[str, np.ndarray],
    min_group_events: int = 20,
) -> dict[str, object]:
    """Return AUC, KS, Brier, calibration by grade and AUC by group of one score.

    ``health`` is higher-is-healthier (NaN = not scored: those rows are left out and counted
    in ``coverage``); ``pd`` its calibrated probability (NaN where there is none: Brier and
    calibration are then left out).
    """
    scored = ~np.isnan(health)
    ys, hs, ps = y[scored], health[scored], pd[scored]
    out: dict[str, object] = {
        "rows": int(scored.sum()),
        "coverage": float(scored.mean()) if scored.size else float("nan"),
        "events": int(ys.sum()),
        "event_rate": float(ys.mean()) if ys.size else float("nan"),
    }
    if 0 < ys.sum() < ys.size:
        out.update(
            auc=roc_auc(ys, -hs),
            ks=ks_statistic(ys, -hs),
            auc_by_group={
                name: auc_by_group(ys, -hs, values[scored], min_group_events)
                for name, values in groups.items()
            },
        )
    with_pd = ~np.isnan(ps)
    if with_pd.any():
        out.update(
            brier=brier_score(ys[with_pd], ps[with_pd]),
            calibration_by_grade=calibration_by_grade(
                ys[with_pd], ps[with_pd], _grades(ps[with_pd], *cutoffs)
            ),
        )
    return out


def compare_scores(
    calibration: pl.DataFrame,
    test: pl.DataFrame,
    scores: Mapping[str, tuple[str, str | None]],
    outcome: str = "distress_next",
    cutoffs: tuple[float, float] = (0.03, 0.10),
    group_columns: Sequence[str] = (),
    min_group_events: int = 20,
) -> dict[str, object]:
    """Return ``score_metrics`` for several scores on the same test rows.

    Parameters
    ----------
    calibration, test : polars.DataFrame
        The calibration and the out-of-time test windows: the outcome, every score column
        and the group columns.
    scores : mapping of name to (score column, PD column or None)
        Higher-is-healthier score columns; without a PD column the score is Platt-scaled on
        ``calibration`` first (when it holds at least 5 events and 5 non-events; else the
        score gets rank metrics only).
    cutoffs : (float, float)
        PD cut-offs of 健康 and 亚健康, the same for every score.
    group_columns : sequence of str
        Columns to measure the AUC gap across (e.g. size class, industry, region).

    Returns
    -------
    dict
        ``{"scores": {name: metrics}, "common_rows": {...}}``: the second block gives each
        score's AUC on the rows every score covers, so differences in coverage cannot flatter
        anyone.
    """
    y = test[outcome].cast(pl.Float64).to_numpy()
    groups = {c: test[c].cast(pl.String).fill_null("(unknown)").to_numpy() for c in group_columns}
    out: dict[str, dict] = {}
    common = np.ones(test.height, dtype=bool)
    healths = {}
    for name, (score_column, pd_column) in scores.items():
        health = test[score_column].cast(pl.Float64).fill_null(np.nan).to_numpy()
        if pd_column is None:
            cal_health = calibration[score_column].cast(pl.Float64).to_numpy()
            cal_y = calibration[outcome].cast(pl.Float64).to_numpy()
            ok = ~np.isnan(cal_health)
            events = int(cal_y[ok].sum())
            if min(events, int(ok.sum()) - events) >= 5:
                # Higher health, lower risk: Platt on -health keeps the slope positive.
                a, b = fit_platt(-cal_health[ok], cal_y[ok])
                pd = 1.0 / (1.0 + np.exp(-(a - b * health)))
                platt = {"a": a, "b": b}
            else:  # too few outcomes to calibrate on: rank metrics only
                pd = np.full(health.shape, np.nan)
                platt = None
        else:
            pd = test[pd_column].cast(pl.Float64).fill_null(np.nan).to_numpy()
            platt = None
        metrics = score_metrics(y, health, pd, cutoffs, groups, min_group_events)
        metrics["platt_on_calibration_window"] = platt
        out[name] = metrics
        healths[name] = health
        common &= ~np.isnan(health)
    common_block = {"rows": int(common.sum()), "events": int(y[common].sum())}
    if 0 < y[common].sum() < common.sum():
        common_block["auc"] = {
            name: roc_auc(y[common], -health[common]) for name, health in healths.items()
        }
    return {"scores": out, "common_rows": common_block}


def psi_month_over_month(months: Sequence[object], scores: Sequence[np.ndarray]) -> list[dict]:
    """Return the PSI of each month's scores against the month before.

    Examples
    --------
    >>> out = psi_month_over_month(["2024-01", "2024-02"], [np.arange(100.0), np.arange(100.0)])
    >>> out[0]["psi"]
    0.0
    """
    return [
        {
            "month": str(months[i]),
            "previous": str(months[i - 1]),
            "psi": psi(scores[i - 1], scores[i]),
        }
        for i in range(1, len(months))
    ]


def information_values(
    model: Scorecard, test_eval: Evaluation | None, y: np.ndarray | None
) -> list[dict]:
    """Return each indicator's training IV (and, given a test evaluation, its IV on the test
    rows with the fitted bins), with whether it is in the model and its weight."""
    rows = []
    test_iv = {}
    if test_eval is not None and y is not None and model.kind == "fitted":
        yb = y.astype(bool)
        for i, m in enumerate(model.active):
            bins = test_eval.bins[:, i]
            labels = np.unique(bins)
            goods = np.array([np.sum((bins == b) & ~yb) for b in labels], dtype=float)
            bads = np.array([np.sum((bins == b) & yb) for b in labels], dtype=float)
            woe = smoothed_woe(goods, bads, goods.sum(), bads.sum(), 1.0)
            test_iv[m.code] = float(np.sum((goods / goods.sum() - bads / bads.sum()) * woe))
    for m in model.indicators:
        rows.append(
            {
                "code": m.code,
                "label": m.label,
                "dimension": m.dimension,
                "iv_training": None if math.isnan(m.iv) else m.iv,
                "iv_test": test_iv.get(m.code),
                "p_value": m.bins.p_value if m.bins is not None else None,
                "basis": m.basis,
                "selected": m.selected,
                "weight": m.weight,
            }
        )
    return sorted(rows, key=lambda r: -(r["iv_training"] or 0.0))


# -- Markdown ------------------------------------------------------------------------------


def _fmt(value: object, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _pct(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * float(value):.2f}%"


def render_markdown(report: Mapping[str, object]) -> str:
    """Return the validation report as Markdown (a page for people; the JSON has it all).

    ``report`` is the dict the scoring asset writes as JSON: ``generated``, ``model``
    (``Scorecard.summary()``), ``windows``, ``comparison`` (``compare_scores``), ``psi``
    (``psi_month_over_month``), ``information_values`` and ``notes``.
    """
    lines: list[str] = []
    model = report.get("model", {})
    lines += [
        "# Scoring validation report / 评分模型验证报告",
        "",
        f"Generated {report.get('generated', '')}. Model in force: **{model.get('kind')}**"
        f" ({report.get('kind_reason', '')}).",
        "",
    ]
    windows = report.get("windows") or {}
    if windows:
        lines += ["## Windows", "", "| window | months |", "|---|---|"]
        for name, span in windows.items():
            lines.append(f"| {name} | {' .. '.join(span) if span else '–'} |")
        lines.append("")
    comparison = report.get("comparison")
    if comparison:
        scores = comparison["scores"]
        lines += [
            "## Out-of-time test: scorecard vs baselines",
            "",
            "Distress within 12 months (first event, departments' records); higher score = "
            "healthier. Baselines are Platt-scaled on the calibration window.",
            "",
            "| score | rows | coverage | events | AUC | KS | Brier |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, m in scores.items():
            lines.append(
                f"| {name} | {m.get('rows', 0):,} | {_pct(m.get('coverage'))} | "
                f"{m.get('events', 0):,} | {_fmt(m.get('auc'))} | {_fmt(m.get('ks'))} | "
                f"{_fmt(m.get('brier'), 4)} |"
            )
        common = comparison.get("common_rows", {})
        if common.get("auc"):
            aucs = ", ".join(f"{k} {_fmt(v)}" for k, v in common["auc"].items())
            lines += [
                "",
                f"On the {common['rows']:,} rows every score covers ({common['events']:,} "
                f"events): AUC {aucs}.",
            ]
        lines += ["", "### Calibration by grade (predicted mean PD vs observed rate)", ""]
        lines += ["| score | grade | rows | predicted | observed | relative error |"]
        lines += ["|---|---|---|---|---|---|"]
        for name, m in scores.items():
            for row in m.get("calibration_by_grade", []):
                error = row["relative_error"]
                lines.append(
                    f"| {name} | {row['grade']} | {row['rows']:,} | {_pct(row['predicted'])} | "
                    f"{_pct(row['observed'])} | {_pct(error) if error is not None else '–'} |"
                )
        lines += ["", "### AUC across groups (groups with enough events)", ""]
        lines += ["| score | by | groups | min AUC | max AUC | gap |", "|---|---|---|---|---|---|"]
        for name, m in scores.items():
            for by, block in (m.get("auc_by_group") or {}).items():
                aucs = [g["auc"] for g in block["groups"]]
                lines.append(
                    f"| {name} | {by} | {len(aucs)} | {_fmt(min(aucs) if aucs else None)} | "
                    f"{_fmt(max(aucs) if aucs else None)} | {_fmt(block['gap'])} |"
                )
    else:
        lines += ["## Out-of-time test", "", "No outcome history yet: nothing to validate.", ""]
    psi_rows = report.get("psi") or []
    if psi_rows:
        values = [r["psi"] for r in psi_rows if r["psi"] is not None and not math.isnan(r["psi"])]
        lines += [
            "",
            "## Stability (PSI of the overall score, month over month)",
            "",
            f"Max {_fmt(max(values) if values else None)}, median "
            f"{_fmt(float(np.median(values)) if values else None)} over {len(values)} months "
            "(< 0.1 stable, > 0.25 a major shift).",
            "",
            "| month | PSI |",
            "|---|---|",
        ]
        lines += [f"| {r['month']} | {_fmt(r['psi'])} |" for r in psi_rows]
    refit_lines = render_refits(report.get("refits") or [])
    if refit_lines:
        lines += [""] + refit_lines
    ivs = report.get("information_values") or []
    if ivs:
        lines += [
            "",
            "## Indicators",
            "",
            "| indicator | dimension | IV (training) | IV (test) | basis | in model | weight |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in ivs:
            lines.append(
                f"| {r['label']} (`{r['code']}`) | {r['dimension']} | {_fmt(r['iv_training'])} | "
                f"{_fmt(r['iv_test'])} | {r['basis']} | {'yes' if r['selected'] else 'no'} | "
                f"{_fmt(r['weight'])} |"
            )
    if model:
        lines += ["", "## Model", ""]
        cut = model.get("score_cutoffs", {})
        lines.append(
            f"Grades: 健康 at overall score >= {_fmt(cut.get('healthy_min'), 2)}, 亚健康 >= "
            f"{_fmt(cut.get('subhealthy_min'), 2)}."
        )
        dims = model.get("dimensions", [])
        weights = model.get("dimension_weights", [])
        lines.append(
            "Dimension weights: "
            + ", ".join(f"{d} {_fmt(w)}" for d, w in zip(dims, weights, strict=False))
            + "."
        )
        points = model.get("points")
        if points:
            lines.append(
                f"Bank points: {points['base_points']:g} at good:bad odds "
                f"{points['base_odds']:g}:1, {points['pdo']:g} points to double the odds; "
                "one overall-score point = "
                f"{_fmt(points['points_per_score'], 2)} bank points."
            )
    notes = report.get("notes") or []
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def build_report(
    choice: ModelChoice,
    labelled: pl.DataFrame,
    specs: Sequence[IndicatorSpec],
    v1_config: ScoringConfig,
    psi_rows: Sequence[Mapping[str, object]] = (),
    group_columns: Sequence[str] = ("size_class", "industry_section", "city_code"),
    generated: str = "",
    notes: Sequence[str] = (),
    refits: Sequence[Mapping[str, object]] = (),
) -> dict[str, object]:
    """Return the validation report of a model run (JSON-ready).

    The out-of-time test uses ``choice.validation`` on its test window (a fitted model never
    saw those months); an expert model is tested as it is, on the latest labelled months.
    Both baselines are scored on the same rows: the equal-weight percentile index (scoring v1,
    ``score_panel``, peers ranked among the labelled firms of each month) and the Altman
    Z''-style proxy (``altman_z_proxy``).

    Parameters
    ----------
    choice : ModelChoice
        From ``scoring.training.choose_and_fit``.
    labelled : polars.DataFrame
        ``labelled_panel`` output with the indicator, peer-key and group columns.
    specs : sequence of IndicatorSpec
        Indicators of the v1 baseline.
    v1_config : ScoringConfig
        Configuration of the v1 baseline.
    psi_rows : sequence of dict
        ``psi_month_over_month`` of the production scores.
    group_columns : sequence of str
        Columns for the AUC gaps (those absent from ``labelled`` are skipped).
    generated : str
        Timestamp to print.
    notes : sequence of str
        Extra notes (e.g. sampling).
    """
    model = choice.production
    cutoffs = (model.config.healthy_max_pd, model.config.subhealthy_max_pd)
    report: dict[str, object] = {
        "generated": generated,
        "kind_reason": choice.reason,
        "model": model.summary(),
        "windows": {},
        "comparison": None,
        "psi": list(psi_rows),
        "refits": list(refits),
        "method_auc": dict(choice.method_auc),
        "information_values": information_values(model, None, None),
        "notes": [ALTMAN_PROXY_NOTE, *notes],
    }
    if model.kind == "fitted":
        report["points_table"] = model.points_table().to_dicts()
        descriptive = sorted({m.dimension for m in model.indicators if m.descriptive})
        if descriptive:
            report["notes"].append(
                f"No predictive indicator in dimension(s) {', '.join(descriptive)}: their "
                "scores show peer percentiles and carry no weight in the overall score."
            )
    shifted = [str(r["month"]) for r in psi_rows if (r.get("psi") or 0.0) > 0.25]
    if shifted:
        report["notes"].append(
            f"PSI above 0.25 (a major shift) in {', '.join(shifted)}: check what changed in "
            "the inputs of those months (e.g. indicators only becoming available)."
        )
    months = sorted(set(labelled[MONTH].to_list())) if labelled.height else []
    if choice.validation is not None and choice.validation_windows is not None:
        tested, windows = choice.validation, choice.validation_windows
        report["windows"] = {
            "production_" + k: v
            for k, v in (choice.production_windows or windows).as_dict().items()
        } | {"validation_" + k: v for k, v in windows.as_dict().items()}
    elif model.kind == "expert" and len(months) >= 2:
        tested = model
        test = min(6, len(months) // 2)  # earlier months Platt-scale the scores
        windows = Windows(fit=(), calibration=tuple(months[:-test]), test=tuple(months[-test:]))
        report["windows"] = {"validation_" + k: v for k, v in windows.as_dict().items()}
    else:
        report["notes"].append("Not enough labelled months for an out-of-time test.")
        return report
    frames = {}
    altman = {"debt_to_assets", "roa"} <= set(labelled.columns)
    for name in ("calibration", "test"):
        rows = windows.frame(labelled, name)
        evaluation = tested.evaluate(rows)
        baseline = score_panel(rows, specs, v1_config).select(
            "firm_id", "period_month", pl.col("overall_score").alias("v1_score")
        )
        frames[name] = rows.with_columns(
            scorecard_score=pl.Series(evaluation.overall).fill_nan(None),
            scorecard_pd=pl.Series(evaluation.pd).fill_nan(None),
            altman_z=altman_z_proxy(rows) if altman else pl.lit(None, pl.Float64),
        ).join(baseline, on=["firm_id", "period_month"], how="left")
        if name == "test":
            test_eval, test_y = evaluation, rows[OUTCOME].to_numpy()
    pd_column = "scorecard_pd" if tested.has_pd else None
    report["comparison"] = compare_scores(
        frames["calibration"],
        frames["test"],
        {
            "scorecard": ("scorecard_score", pd_column),
            "equal_weight_v1": ("v1_score", None),
            **({"altman_z_proxy": ("altman_z", None)} if altman else {}),
        },
        outcome=OUTCOME,
        cutoffs=cutoffs,
        group_columns=[c for c in group_columns if c in labelled.columns],
    )
    report["information_values"] = information_values(tested, test_eval, test_y)
    if tested is not model:
        report["validation_model"] = tested.summary()
    return report
