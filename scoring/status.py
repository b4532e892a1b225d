"""Firms that are no longer alive get their own status instead of a grade."""

from __future__ import annotations

import polars as pl

EXITED_CODE = "exited"
EXITED_LABEL = "已退出"


def apply_firm_status(scores: pl.DataFrame, status: pl.DataFrame) -> pl.DataFrame:
    """Return ``scores`` with ``firm_status`` / ``firm_status_zh`` columns, and grade
    ``已退出`` (grade_code ``exited``) for every firm whose status is not ``live``.

    ``status`` has ``firm_id``, ``firm_status`` (live, revoked, dormant) and
    ``firm_status_zh``; a firm missing from it counts as live. A dead firm keeps its scores
    (they describe its last data) but no grade: it belongs to the exit track (吊销候选,
    空壳企业), not to the health alert list, and no next-grade move applies.

    >>> s = pl.DataFrame({"firm_id": ["a", "b"], "grade": ["不健康", "健康"],
    ...                   "grade_code": ["unhealthy", "healthy"]})
    >>> st = pl.DataFrame({"firm_id": ["a"], "firm_status": ["revoked"],
    ...                    "firm_status_zh": ["营业执照已吊销"]})
    >>> apply_firm_status(s, st)["grade_code"].to_list()
    ['exited', 'healthy']
    """
    # Several months at once: each row takes its own month's status.
    keys = ["firm_id"] + [
        c for c in ("period_month",) if c in scores.columns and c in status.columns
    ]
    joined = scores.join(
        status.select(*keys, "firm_status", "firm_status_zh"),
        on=keys,
        how="left",
        maintain_order="left",
    ).with_columns(
        pl.col("firm_status").fill_null("live"), pl.col("firm_status_zh").fill_null("存续经营")
    )
    dead = pl.col("firm_status") != "live"
    updates = [
        pl.when(dead).then(pl.lit(EXITED_LABEL)).otherwise(pl.col("grade")).alias("grade"),
        pl.when(dead).then(pl.lit(EXITED_CODE)).otherwise(pl.col("grade_code")).alias("grade_code"),
    ]
    for column in ("next_grade_code", "score_to_next_grade"):
        if column in joined.columns:
            updates.append(pl.when(dead).then(None).otherwise(pl.col(column)).alias(column))
    return joined.with_columns(updates)
