"""Fits the health scorecard on the outcome history, scores the firm-months of a run's months,
writes the scores, their per-indicator contributions and the validation report.

Monthly partitions, no look-ahead. The fitted model is refitted every ``refit_every_months``
(default 3: at each calendar quarter's end) and the scores of month M come from the model fitted
as of the latest refit month Q <= M (``scoring.training.labelled_panel(as_of=end of Q)``:
indicator rows up to Q, distress events up to Q, only months whose 12-month outcome window
closed by Q). Where no outcome history exists yet at Q, the expert (cold-start) model ranks
month M's firms among their peers of month M. A backfill of months A..B is one run that fits
the models it needs and rewrites exactly those months; a month's scores do not depend on the
range it was run in, and are what the service would have published at the time.

The run's logic (refit calendar, training sample, model in force per month, PSI month over
month, the report) is ``scoring.monthly``, tested without Dagster; this asset reads the
warehouse, calls it, writes the tables and report files and attaches metadata.
"""

import datetime as dt
import json
import time
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl

from pipelines.partitions import monthly_partitions, window_months
from pipelines.resources import WarehouseResource
from pipelines.settings import WAREHOUSE_POOL, WAREHOUSE_TAGS, model_cache_dir, output_dir
from pipelines.warehouse_io import SideTables
from scoring.config import specs_from_catalog
from scoring.defaults import DEFAULTS, ScoringDefaults
from scoring.fit_cache import FitCache
from scoring.monthly import (
    SAMPLE_BUCKETS,
    MonthlyModels,
    ScoreStability,
    explained_months,
    model_version,
    refit_month,
    run_report,
    sample_cutoff,
    score_batches,
    scorecard_config,
    training_shares,
)
from scoring.status import apply_firm_status
from scoring.training import month_end
from scoring.validation import render_markdown

SCORES_TABLE = "scoring.firm_health_scores"
CONTRIBUTIONS_TABLE = "scoring.firm_score_contributions"
REPORT_NAME = "scoring_validation"
SLICE_ROWS = 500_000


class ScoringRunConfig(dg.Config):
    """What the scoring run puts in force; every field can be set per run in the launchpad.

    The defaults are ``scoring.defaults.DEFAULTS`` (their meaning is documented there).
    ``model="auto"`` fits the scorecard when the outcome history (marts.fct_distress_events)
    holds at least ``min_events`` distress firm-months in both the fitting and the calibration
    window, and otherwise uses expert weights (``ahp_matrix`` over the five dimensions, or
    equal). Grades follow the PD cut-offs when a PD exists, the score cut-offs otherwise.
    """

    model: str = DEFAULTS.model
    min_events: int = DEFAULTS.min_events
    calibration_months: int = DEFAULTS.calibration_months
    test_months: int = DEFAULTS.test_months
    healthy_max_pd: float = DEFAULTS.healthy_max_pd
    subhealthy_max_pd: float = DEFAULTS.subhealthy_max_pd
    healthy_min: float = DEFAULTS.healthy_min
    subhealthy_min: float = DEFAULTS.subhealthy_min
    ahp_matrix: list[list[float]] | None = None
    min_peer_group: int = DEFAULTS.min_peer_group
    min_indicators: int = DEFAULTS.min_indicators
    min_dimensions: int = DEFAULTS.min_dimensions
    base_points: float = DEFAULTS.base_points
    base_odds: float = DEFAULTS.base_odds
    pdo: float = DEFAULTS.pdo
    max_training_firms: int = DEFAULTS.max_training_firms
    contribution_months: int = DEFAULTS.contribution_months
    refit_every_months: int = DEFAULTS.refit_every_months
    method: str = DEFAULTS.method
    min_labelled_months: int = DEFAULTS.min_labelled_months
    switch_margin: float = DEFAULTS.switch_margin
    score_pd_at_0: float = DEFAULTS.score_pd_at_0
    score_pd_at_100: float = DEFAULTS.score_pd_at_100
    boost_engine: str = DEFAULTS.boost_engine

    def settings(self) -> ScoringDefaults:
        """Return the run's settings as the scoring library takes them."""
        return ScoringDefaults(**self.model_dump())


def _sql_date(day: dt.date) -> str:
    return f"date '{day.isoformat()}'"


@dg.asset(
    key=["scoring", "firm_health_scores"],
    deps=[
        dg.AssetKey(["marts", "fct_firm_indicators"]),
        dg.AssetKey(["marts", "fct_distress_events"]),
        dg.AssetKey(["marts", "dim_firm"]),
        dg.AssetKey(["marts", "fct_firm_status"]),
        dg.AssetKey(["reference", "indicator_catalog"]),
        dg.AssetKey(["reference", "red_flag_catalog"]),
    ],
    group_name="scoring",
    pool=WAREHOUSE_POOL,
    op_tags=WAREHOUSE_TAGS,
    kinds={"duckdb", "scipy"},
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="企业健康诊断: five dimension scores (经营/创新/结构/质效/风险), overall score, "
    "12-month PD, bank points, grade 健康/亚健康/不健康/数据不足, red flags, reasons and what "
    "lifts a firm a grade for every firm and month (scoring.firm_health_scores); per-indicator "
    "contributions (scoring.firm_score_contributions); the validation report "
    "(reports/scoring_validation.md and .json). Partitioned by month: month M is scored by the "
    "model fitted on what was known at the latest refit month (quarter end) <= M, no "
    "look-ahead. Also reads "
    "marts.fct_distress_events and marts.dim_firm (built by the same dbt step).",
)
def firm_health_scores(
    context: dg.AssetExecutionContext, config: ScoringRunConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    started = time.perf_counter()
    settings = config.settings()
    first, last = window_months(context)
    with warehouse.connect(read_only=True) as con:
        catalog = con.sql("select * from reference.indicator_catalog").pl()
        red_flags = tuple(
            con.sql("select flag_code, label_zh from reference.red_flag_catalog order by 1")
            .pl()
            .iter_rows()
        )
        panel_months = [
            m
            for (m,) in con.execute(
                "select distinct period_month from marts.fct_firm_indicators order by 1"
            ).fetchall()
        ]
        months = [m for m in panel_months if first <= m <= last]
        first_months = dict(
            con.execute(
                "select first_month, count(*) from (select firm_id, min(period_month) as "
                "first_month from marts.fct_firm_indicators group by 1) group by 1"
            ).fetchall()
        )
        # Every refit from the panel's start: a backfill replays the earlier refit decisions.
        refits = {refit_month(m, settings.refit_every_months) for m in panel_months if m <= last}
        shares = training_shares(
            first_months, sorted(set(months) | refits), settings.max_training_firms
        )
        widest = max(shares.values(), default=1.0)
        # hash() is stable for a given DuckDB version: the same firms are sampled every run.
        bucket = f"hash(i.firm_id) % {SAMPLE_BUCKETS}"
        sample = (
            con.sql(
                f"select i.*, f.city_code, {bucket} as _sample_hash "
                "from marts.fct_firm_indicators i left join marts.dim_firm f using (firm_id) "
                f"where i.period_month <= {_sql_date(last)} "
                f"and ({widest} >= 1 or {bucket} < {sample_cutoff(widest)}) "
                # a fixed row order: DuckDB's parallel join returns rows in any order, and the
                # fits' float sums (and ties between reasons) follow the row order
                "order by i.firm_id, i.period_month"
            ).pl()
            if months
            else None
        )
        events = con.sql(
            "select firm_id, event_date from marts.fct_distress_events order by all"
        ).pl()
    if not months:
        context.log.info(f"no indicator rows for {first:%Y-%m}..{last:%Y-%m}: nothing to score")
        return dg.MaterializeResult(metadata={"rows": 0, "months": 0})
    specs = specs_from_catalog(catalog)
    fit_cache = FitCache(model_cache_dir(Path(warehouse.path)))
    models = MonthlyModels(
        sample, shares, events, specs, scorecard_config(settings, red_flags), settings, fit_cache
    )
    explained = explained_months(panel_months, settings.contribution_months)

    rows = contribution_rows = 0
    fit_seconds = 0.0
    stability = ScoreStability()
    latest_grades: dict[str, int] = {}
    kinds: dict[str, int] = {}
    in_range = f"period_month between {_sql_date(first)} and {_sql_date(last)}"
    keep_contributions = " or ".join(
        f"period_month = {_sql_date(m)}" for m in sorted(explained) if not first <= m <= last
    )
    keep = {
        SCORES_TABLE: f"not ({in_range})",
        CONTRIBUTIONS_TABLE: f"not ({in_range}) and ({keep_contributions or 'false'})",
    }
    # Fit first (one model per refit month; one expert model for every cold-start month), then
    # score consecutive months that share a model in one pass (fewer, larger calls).
    in_force_of = {}
    for i, month in enumerate(months):
        fit_started = time.perf_counter()
        in_force = in_force_of[month] = models.for_month(month)
        fit_seconds += time.perf_counter() - fit_started
        model, refit = in_force.choice.production, in_force.refit
        kinds[model.kind] = kinds.get(model.kind, 0) + 1
        context.log.info(
            f"model for {i + 1}/{len(months)} months; {month:%Y-%m}: {model.kind} model"
            + (f" fitted as of {month_end(refit)}" if model.kind != "expert" else "")
            + f" ({in_force.choice.reason}, as of {month_end(refit)})"
        )
    context.log.info(
        f"{fit_cache.fits} model(s) fitted, {fit_cache.reused} read back from earlier runs' "
        f"identical fits ({fit_seconds:.1f} s)"
    )
    # Written through side tables swapped in at the end: memory stays flat at province scale
    # and readers never see half the months (pipelines/warehouse_io.py). The months outside the
    # run's range are carried over unchanged.
    with (
        warehouse.connect() as con,
        SideTables(con, [SCORES_TABLE, CONTRIBUTIONS_TABLE], keep=keep) as out,
    ):
        month_rows = dict(
            con.execute(
                "select period_month, count(*) from marts.fct_firm_indicators "
                f"where {in_range} group by 1"
            ).fetchall()
        )
        month_scores: dict[dt.date, list[np.ndarray]] = {m: [] for m in months}
        for batch in score_batches(months, in_force_of, month_rows, SLICE_ROWS):
            model = in_force_of[batch[0]].choice.production
            versions = {m: model_version(model.kind, in_force_of[m].refit, m) for m in batch}
            span = [batch[0], batch[-1]]
            panel = con.sql(
                "select * from marts.fct_firm_indicators where period_month between $1 and $2 "
                "order by period_month",
                params=span,
            ).pl()
            status = con.sql(
                "select firm_id, period_month, firm_status, firm_status_zh "
                "from marts.fct_firm_status where period_month between $1 and $2",
                params=span,
            ).pl()
            scores = apply_firm_status(model.score(panel), status).with_columns(
                model_version=pl.col("period_month").replace_strict(
                    versions, return_dtype=pl.String
                )
            )
            out.append(SCORES_TABLE, scores)
            rows += scores.height
            for (month,), part in scores.select("period_month", "overall_score").group_by(
                "period_month"
            ):
                month_scores[month].append(part["overall_score"].drop_nulls().to_numpy())
            if months[-1] in batch:
                latest = scores.filter(pl.col("period_month") == months[-1])
                latest_grades = dict(latest["grade"].value_counts().iter_rows())
            wanted = [m for m in batch if m in explained]
            if wanted:
                parts = model.explain(
                    panel.filter(pl.col("period_month").is_in(pl.Series(wanted).implode()))
                )
                out.append(CONTRIBUTIONS_TABLE, parts)
                contribution_rows += parts.height
            context.log.info(
                f"scored {batch[0]:%Y-%m}..{batch[-1]:%Y-%m} in one pass ({rows:,} firm-months)"
            )
        for month in months:
            parts = month_scores[month]
            stability.add(month, np.concatenate(parts) if parts else np.zeros(0))
    in_force = in_force_of[months[-1]]
    model = in_force.choice.production
    seconds = time.perf_counter() - started

    report = run_report(
        in_force,
        months[-1],
        specs,
        settings,
        red_flags,
        psi_rows=stability.rows,
        generated=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        refits=models.refits,
    )
    reports = output_dir() / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / f"{REPORT_NAME}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    (reports / f"{REPORT_NAME}.md").write_text(render_markdown(report), encoding="utf-8")

    scorecard = (report.get("comparison") or {}).get("scores", {}).get("scorecard", {})
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "months": len(months),
            "contribution_rows": contribution_rows,
            "model_kind": model.kind,
            "model_reason": in_force.choice.reason,
            "models_by_kind": ", ".join(f"{k}: {n} months" for k, n in sorted(kinds.items())),
            "latest_month": str(months[-1]),
            "fit_seconds": round(fit_seconds, 2),
            # models fitted in this run / read back from an earlier run's identical fit
            "models_fitted": fit_cache.fits,
            "models_reused": fit_cache.reused,
            "scoring_seconds": round(seconds - fit_seconds, 2),
            "oot_auc": scorecard.get("auc"),
            "report": dg.MetadataValue.path(str(reports / f"{REPORT_NAME}.md")),
            **{f"latest_month_{g}": n for g, n in sorted(latest_grades.items())},
        }
    )
