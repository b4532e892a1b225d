"""Model governance across refits: when a challenger replaces the champion, and what a switch
does to the firms' grades.

A refit fits a challenger; it replaces the model in force (the champion) only when its recipe
ranks the newest outcome months, which neither has seen, better out of time
(``challenger_wins``). Every switch is measured on the same firms and the same month's data
scored by both models (``switch_effect``): the PSI between the two score distributions, the
grade migration matrix, and the share of firms whose grade changed because of the model rather
than their data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from scoring.metrics import psi, roc_auc

GRADES: tuple[str, ...] = ("healthy", "subhealthy", "unhealthy", "insufficient")


def challenger_wins(
    champion_auc: float, challenger_auc: float, margin: float = 0.005
) -> tuple[bool, str]:
    """Return whether the challenger replaces the champion, and why.

    The challenger must beat the champion's out-of-time AUC by ``margin``: a refit that is
    only as good changes grades for nothing. A champion that cannot be measured (NaN) loses.

    Examples
    --------
    >>> challenger_wins(0.80, 0.81)[0], challenger_wins(0.80, 0.802)[0]
    (True, False)
    """
    if not np.isfinite(champion_auc):
        return True, "champion not measurable out of time"
    if not np.isfinite(challenger_auc):
        return False, "challenger not measurable out of time"
    if challenger_auc >= champion_auc + margin:
        return (
            True,
            f"challenger AUC {challenger_auc:.3f} >= champion {champion_auc:.3f} + {margin}",
        )
    return False, f"challenger AUC {challenger_auc:.3f} < champion {champion_auc:.3f} + {margin}"


def oot_auc(y: np.ndarray, pd: np.ndarray) -> float:
    """Return the AUC of ``pd`` for ``y`` on the rows with a PD (NaN without both classes).

    Examples
    --------
    >>> oot_auc(np.array([0, 1, 0, 1]), np.array([0.1, 0.9, np.nan, 0.8]))
    1.0
    """
    ok = ~np.isnan(pd)
    y, pd = y[ok].astype(bool), pd[ok]
    if not 0 < y.sum() < y.size:
        return float("nan")
    return roc_auc(y, pd)


def switch_effect(
    old_score: np.ndarray, old_grade: np.ndarray, new_score: np.ndarray, new_grade: np.ndarray
) -> dict[str, object]:
    """Return what replacing a model does to the same rows: PSI of the scores (old as the
    expected distribution), the grade migration matrix (counts, old grade -> new grade) and the
    share of rows whose grade changed.

    Examples
    --------
    >>> out = switch_effect(np.arange(4.0), np.array(["healthy"] * 4),
    ...                     np.arange(4.0), np.array(["healthy"] * 3 + ["subhealthy"]))
    >>> out["grade_changed"], out["migration"]["healthy"]["subhealthy"]
    (0.25, 1)
    """
    old_score, new_score = np.asarray(old_score, float), np.asarray(new_score, float)
    both = ~np.isnan(old_score) & ~np.isnan(new_score)
    matrix = {
        a: {b: int(np.sum((old_grade == a) & (new_grade == b))) for b in GRADES} for a in GRADES
    }
    return {
        "rows": int(old_grade.size),
        "psi": psi(old_score[both], new_score[both]) if both.sum() > 1 else None,
        "grade_changed": float(np.mean(old_grade != new_grade)) if old_grade.size else None,
        "migration": matrix,
    }


def render_refits(refits: Sequence[Mapping[str, object]]) -> list[str]:
    """Return Markdown lines of the refit log: per refit the decision, the out-of-time AUCs,
    and for a switch its PSI, the share of grades the model changed and the migration matrix.
    """
    if not refits:
        return []
    lines = [
        "## Refits (model governance)",
        "",
        "At each refit a challenger is fitted; it replaces the model in force only when it "
        "ranks the newest outcome months (unseen by both) better. A switch is announced "
        "here and measured on the same firms and data scored by both models: PSI of the two "
        "score distributions, and the share of firms whose grade changed because of the "
        "model, not their data.",
        "",
        "| refit | first month | decision | champion AUC | challenger AUC | PSI (same data) |"
        " grade changed by the model |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in refits:
        effect = r.get("effect") or {}
        lines.append(
            f"| {r['refit']} | {r.get('month', '–')} | {r['decision']} | "
            f"{_num(r.get('champion_auc'))} | {_num(r.get('challenger_auc'))} | "
            f"{_num(effect.get('psi'))} | {_share(effect.get('grade_changed'))} |"
        )
    for r in refits:
        effect = r.get("effect")
        if not effect:
            continue
        lines += [
            "",
            f"Grade migration at {r.get('month')} ({r['decision']}), rows old grade, "
            "columns new grade:",
            "",
            "| old \\ new | " + " | ".join(GRADES) + " |",
            "|---|" + "---|" * len(GRADES),
        ]
        for a in GRADES:
            row = effect["migration"][a]
            lines.append(f"| {a} | " + " | ".join(f"{row[b]:,}" for b in GRADES) + " |")
    return lines + [""]


def _num(value: object) -> str:
    return "–" if value is None or not np.isfinite(float(value)) else f"{float(value):.3f}"


def _share(value: object) -> str:
    return "–" if value is None else f"{100 * float(value):.1f}%"
