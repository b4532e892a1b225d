"""Fits the health scorecard on the outcome history, scores every firm-month, writes the scores,
their per-indicator contributions and the validation report."""

import datetime as dt
import json
import time

import dagster as dg
import numpy as np
import polars as pl

from pipelines.resources import WarehouseResource
from pipelines.settings import WAREHOUSE_POOL, output_dir
from pipelines.warehouse_io import SideTables
from scoring import DIMENSIONS, IndicatorSpec, ScoringConfig
from scoring.scorecard import PointsScale, ScorecardConfig
from scoring.training import choose_and_fit, labelled_panel
from scoring.validation import build_report, psi_month_over_month, render_markdown

SCORES_TABLE = "scoring.firm_health_scores"
CONTRIBUTIONS_TABLE = "scoring.firm_score_contributions"
REPORT_NAME = "scoring_validation"
SLICE_ROWS = 500_000


class ScoringRunConfig(dg.Config):
    """What the scoring run puts in force; every field can be set per run in the launchpad.

    ``model="auto"`` fits the scorecard when the outcome history (marts.fct_distress_events)
    holds at least ``min_events`` distress firm-months in both the fitting and the calibration
    window, and otherwise uses expert weights (``ahp_matrix`` over the five dimensions, or
    equal). Grades follow the PD cut-offs when a PD exists, the score cut-offs otherwise.
    """

    model: str = "auto"
    min_events: int = 200
    calibration_months: int = 6
    test_months: int = 6
    healthy_max_pd: float = 0.03
    subhealthy_max_pd: float = 0.10
    # Expert (cold-start) cut-offs on the overall score; v1's back-test gave 55 / 40.
    healthy_min: float = 55.0
    subhealthy_min: float = 40.0
    ahp_matrix: list[list[float]] | None = None
    min_peer_group: int = 30
    min_indicators: int = 4
    min_dimensions: int = 3
    base_points: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0
    # Fitting reads at most this many firms (all their months), sampled by a hash of the id.
    max_training_firms: int = 200_000
    # Per-indicator contributions of the latest N months (0 = every month, -1 = none): a
    # firm's history of scores is kept in full, the long table only where it is read.
    contribution_months: int = 12


def specs_from_catalog(catalog: pl.DataFrame) -> list[IndicatorSpec]:
    """Return one IndicatorSpec per row of the indicator catalog seed (the single source of
    indicator directions, dimensions and labels)."""
    return [
        IndicatorSpec(
            code=row["indicator_code"],
            dimension=row["dimension"],
            direction=int(row["direction"]),
            transform=row["transform"],
            label_zh=row["name_zh"],
        )
        for row in catalog.sort("indicator_code").iter_rows(named=True)
    ]


def scorecard_config(config: ScoringRunConfig, red_flags: tuple[tuple[str, str], ...]):
    """Return the library configuration of a run (a small pure function, pinned by tests)."""
    return ScorecardConfig(
        kind=config.model,
        min_peer_group=config.min_peer_group,
        healthy_max_pd=config.healthy_max_pd,
        subhealthy_max_pd=config.subhealthy_max_pd,
        healthy_min=config.healthy_min,
        subhealthy_min=config.subhealthy_min,
        min_indicators=config.min_indicators,
        min_dimensions=config.min_dimensions,
        red_flags=red_flags,
        ahp_matrix=tuple(tuple(row) for row in config.ahp_matrix) if config.ahp_matrix else None,
        dimensions=DIMENSIONS,
        points=PointsScale(config.base_points, config.base_odds, config.pdo),
    )


@dg.asset(
    key=["scoring", "firm_health_scores"],
    deps=[
        dg.AssetKey(["marts", "fct_firm_indicators"]),
        dg.AssetKey(["marts", "fct_distress_events"]),
        dg.AssetKey(["marts", "dim_firm"]),
        dg.AssetKey(["reference", "indicator_catalog"]),
        dg.AssetKey(["reference", "red_flag_catalog"]),
    ],
    group_name="scoring",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "scipy"},
    description="企业健康诊断: five dimension scores (经营/创新/结构/质效/风险), overall score, "
    "12-month PD, bank points, grade 健康/亚健康/不健康/数据不足, red flags, reasons and what "
    "lifts a firm a grade for every firm and month (scoring.firm_health_scores); per-indicator "
    "contributions (scoring.firm_score_contributions); the validation report "
    "(reports/scoring_validation.md and .json). Also reads marts.fct_distress_events and "
    "marts.dim_firm (built by the same dbt step).",
)
def firm_health_scores(
    context: dg.AssetExecutionContext, config: ScoringRunConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    started = time.perf_counter()
    with warehouse.connect(read_only=True) as con:
        catalog = con.sql("select * from reference.indicator_catalog").pl()
        red_flags = tuple(
            con.sql("select flag_code, label_zh from reference.red_flag_catalog order by 1")
            .pl()
            .iter_rows()
        )
        months = [
            m
            for (m,) in con.execute(
                "select distinct period_month from marts.fct_firm_indicators order by 1"
            ).fetchall()
        ]
        ((firms,),) = con.execute(
            "select count(distinct firm_id) from marts.fct_firm_indicators"
        ).fetchall()
        share = min(1.0, config.max_training_firms / max(firms, 1))
        # hash() is stable for a given DuckDB version: the same firms are sampled every run.
        sample = con.sql(
            "select i.*, f.city_code from marts.fct_firm_indicators i "
            "left join marts.dim_firm f using (firm_id) "
            f"where {share} >= 1 or hash(i.firm_id) % 1000000 < {int(share * 1_000_000)}"
        ).pl()
        events = con.sql("select firm_id, event_date from marts.fct_distress_events").pl()
    specs = specs_from_catalog(catalog)
    library_config = scorecard_config(config, red_flags)
    labelled = labelled_panel(sample, events)
    choice = choose_and_fit(
        labelled,
        sample,
        specs,
        library_config,
        mode=config.model,
        min_events=config.min_events,
        calibration_months=config.calibration_months,
        test_months=config.test_months,
    )
    model = choice.production
    fitted_seconds = time.perf_counter() - started
    context.log.info(f"model in force: {model.kind} ({choice.reason}) in {fitted_seconds:.1f}s")

    rows = contribution_rows = 0
    psi_rows: list[dict] = []
    previous: np.ndarray | None = None
    latest_grades: dict[str, int] = {}
    # Written through side tables swapped in at the end: memory stays flat at province scale
    # and readers never see half the months (pipelines/warehouse_io.py).
    with warehouse.connect() as con, SideTables(con, [SCORES_TABLE, CONTRIBUTIONS_TABLE]) as out:
        for i, month in enumerate(months):
            panel = con.sql(
                "select * from marts.fct_firm_indicators where period_month = $1", params=[month]
            ).pl()
            # Scoring is row by row (peer distributions are fitted), so large months go in
            # slices and memory stays flat at province scale.
            month_scores = []
            latest_grades = {}
            for part in panel.iter_slices(SLICE_ROWS):
                scores = model.score(part)
                out.append(SCORES_TABLE, scores)
                rows += scores.height
                month_scores.append(scores["overall_score"].drop_nulls().to_numpy())
                if config.contribution_months == 0 or (
                    config.contribution_months > 0 and i >= len(months) - config.contribution_months
                ):
                    parts = model.explain(part)
                    out.append(CONTRIBUTIONS_TABLE, parts)
                    contribution_rows += parts.height
                for grade, n in scores["grade"].value_counts().iter_rows():
                    latest_grades[grade] = latest_grades.get(grade, 0) + n
            current = np.concatenate(month_scores) if month_scores else np.zeros(0)
            if previous is not None:  # stability month over month, one month in memory
                psi_rows += psi_month_over_month([months[i - 1], month], [previous, current])
            previous = current
            if (i + 1) % 6 == 0 or i + 1 == len(months):
                context.log.info(f"scored {i + 1}/{len(months)} months ({rows:,} firm-months)")
    scoring_seconds = time.perf_counter() - started - fitted_seconds

    notes = [
        f"Fitted on {sample['firm_id'].n_unique():,} firms ({share:.0%} of them).",
        "The equal-weight baseline is scoring v1 (peer percentiles, equal dimension weights).",
    ]
    report = build_report(
        choice,
        labelled,
        specs,
        ScoringConfig(
            healthy_min=config.healthy_min,
            subhealthy_min=config.subhealthy_min,
            min_peer_group=config.min_peer_group,
            min_indicators=config.min_indicators,
            min_dimensions=config.min_dimensions,
            red_flags=red_flags,
        ),
        psi_rows=psi_rows,
        generated=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        notes=notes,
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
            "contribution_rows": contribution_rows,
            "model_kind": model.kind,
            "model_reason": choice.reason,
            "latest_month": str(months[-1]) if months else "",
            "fit_seconds": round(fitted_seconds, 2),
            "scoring_seconds": round(scoring_seconds, 2),
            "oot_auc": scorecard.get("auc"),
            "report": dg.MetadataValue.path(str(reports / f"{REPORT_NAME}.md")),
            **{f"latest_month_{g}": n for g, n in sorted(latest_grades.items())},
        }
    )
