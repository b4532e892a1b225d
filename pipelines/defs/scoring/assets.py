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
"""

import datetime as dt
import json
import time

import dagster as dg
import numpy as np
import polars as pl

from pipelines.partitions import monthly_partitions, window_months
from pipelines.resources import WarehouseResource
from pipelines.settings import WAREHOUSE_POOL, output_dir
from pipelines.warehouse_io import SideTables
from scoring import DIMENSIONS, IndicatorSpec, ScoringConfig
from scoring.scorecard import PointsScale, ScorecardConfig
from scoring.status import apply_firm_status
from scoring.training import choose_and_fit, labelled_panel, month_end
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
    # The fitted model is refitted at the end of every N-th calendar month (3: Mar, Jun, Sep,
    # Dec) and scores the months up to the next refit; 1 refits for every month (slower).
    refit_every_months: int = 3


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


def training_shares(first_months: dict, months: list, max_firms: int) -> dict:
    """Return {month: share of firms sampled for fitting as of that month}.

    ``first_months`` maps a firm's first panel month to how many firms start then; the firms
    known by M are those that started by M (no later firm counts).

    >>> import datetime as d
    >>> training_shares({d.date(2025, 1, 1): 300, d.date(2025, 2, 1): 100},
    ...                 [d.date(2025, 1, 1), d.date(2025, 2, 1)], 200)
    {datetime.date(2025, 1, 1): 0.6666666666666666, datetime.date(2025, 2, 1): 0.5}
    """
    shares = {}
    for month in months:
        firms = sum(n for first, n in first_months.items() if first <= month)
        shares[month] = min(1.0, max_firms / max(firms, 1))
    return shares


def refit_month(month: dt.date, every: int) -> dt.date:
    """Return the latest month <= ``month`` at whose end the model is refitted (the end of every
    ``every``-th calendar month: 3 gives quarter ends).

    >>> refit_month(dt.date(2026, 11, 1), 3), refit_month(dt.date(2026, 9, 1), 3)
    (datetime.date(2026, 9, 1), datetime.date(2026, 9, 1))
    """
    index = month.year * 12 + month.month - 1
    index = (index + 1) // max(every, 1) * max(every, 1) - 1
    return dt.date(index // 12, index % 12 + 1, 1)


def model_version(kind: str, refit: dt.date, month: dt.date) -> str:
    """Return the version of the model that scored ``month``: the kind and the date its
    outcome history ends (fitted models), or the month whose peers it ranks within (expert).

    >>> model_version("fitted", dt.date(2026, 6, 1), dt.date(2026, 8, 1))
    'fitted-20260630'
    >>> model_version("expert", dt.date(2024, 9, 1), dt.date(2024, 11, 1))
    'expert-202411'
    """
    if kind == "expert":
        return f"expert-{month:%Y%m}"
    return f"{kind}-{month_end(refit):%Y%m%d}"


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
        refits = {refit_month(m, config.refit_every_months) for m in months}
        shares = training_shares(
            first_months, sorted(set(months) | refits), config.max_training_firms
        )
        widest = max(shares.values(), default=1.0)
        # hash() is stable for a given DuckDB version: the same firms are sampled every run,
        # and a smaller share samples a subset of a larger one.
        sample = (
            con.sql(
                "select i.*, f.city_code, hash(i.firm_id) % 1000000 as _sample_hash "
                "from marts.fct_firm_indicators i left join marts.dim_firm f using (firm_id) "
                f"where i.period_month <= {_sql_date(last)} "
                f"and ({widest} >= 1 or hash(i.firm_id) % 1000000 < {int(widest * 1_000_000)})"
            ).pl()
            if months
            else None
        )
        events = con.sql("select firm_id, event_date from marts.fct_distress_events").pl()
    if not months:
        context.log.info(f"no indicator rows for {first:%Y-%m}..{last:%Y-%m}: nothing to score")
        return dg.MaterializeResult(metadata={"rows": 0, "months": 0})
    specs = specs_from_catalog(catalog)
    library_config = scorecard_config(config, red_flags)
    if config.contribution_months == 0:
        explained = set(panel_months)
    elif config.contribution_months > 0:
        explained = set(panel_months[-config.contribution_months :])
    else:
        explained = set()

    def sampled(upto: dt.date, only: bool = False) -> pl.DataFrame:
        """The training sample as of ``upto`` (its months up to it, or only it)."""
        share = shares[upto]
        rows = sample.filter(
            (pl.col("period_month") == upto) if only else (pl.col("period_month") <= upto)
        )
        if share < 1:
            rows = rows.filter(pl.col("_sample_hash") < int(share * 1_000_000))
        return rows.drop("_sample_hash")

    fitted: dict[dt.date, tuple] = {}

    def fit_as_of(month: dt.date):
        """The model in force for ``month``: fitted as of its refit month when outcome history
        allows (one fit per refit month), else expert among ``month``'s peers."""
        refit = refit_month(month, config.refit_every_months)
        if refit in fitted:
            return fitted[refit]
        training = sampled(refit)
        labelled = labelled_panel(training, events, as_of=month_end(refit))
        choice = choose_and_fit(
            labelled,
            sampled(month, only=True),
            specs,
            library_config,
            mode=config.model,
            min_events=config.min_events,
            calibration_months=config.calibration_months,
            test_months=config.test_months,
        )
        outcome = (choice, labelled, training["firm_id"].n_unique(), refit)
        if choice.production.kind != "expert":
            fitted[refit] = outcome  # an expert model is month M's own: never reused
        return outcome

    rows = contribution_rows = 0
    fit_seconds = 0.0
    psi_rows: list[dict] = []
    previous: np.ndarray | None = None
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
    # Written through side tables swapped in at the end: memory stays flat at province scale
    # and readers never see half the months (pipelines/warehouse_io.py). The months outside the
    # run's range are carried over unchanged.
    with (
        warehouse.connect() as con,
        SideTables(con, [SCORES_TABLE, CONTRIBUTIONS_TABLE], keep=keep) as out,
    ):
        for i, month in enumerate(months):
            fit_started = time.perf_counter()
            choice, labelled, fitted_firms, refit = fit_as_of(month)
            fit_seconds += time.perf_counter() - fit_started
            model = choice.production
            kinds[model.kind] = kinds.get(model.kind, 0) + 1
            panel = con.sql(
                "select * from marts.fct_firm_indicators where period_month = $1", params=[month]
            ).pl()
            status = con.sql(
                "select firm_id, firm_status, firm_status_zh from marts.fct_firm_status "
                "where period_month = $1",
                params=[month],
            ).pl()
            version = model_version(model.kind, refit, month)
            # Scoring is row by row (peer distributions are fitted), so large months go in
            # slices and memory stays flat at province scale.
            month_scores = []
            latest_grades = {}
            for part in panel.iter_slices(SLICE_ROWS):
                scores = apply_firm_status(model.score(part), status).with_columns(
                    model_version=pl.lit(version)
                )
                out.append(SCORES_TABLE, scores)
                rows += scores.height
                month_scores.append(scores["overall_score"].drop_nulls().to_numpy())
                if month in explained:
                    parts = model.explain(part)
                    out.append(CONTRIBUTIONS_TABLE, parts)
                    contribution_rows += parts.height
                for grade, n in scores["grade"].value_counts().iter_rows():
                    latest_grades[grade] = latest_grades.get(grade, 0) + n
            current = np.concatenate(month_scores) if month_scores else np.zeros(0)
            if previous is not None:  # stability month over month, one month in memory
                psi_rows += psi_month_over_month([months[i - 1], month], [previous, current])
            previous = current
            context.log.info(
                f"scored {i + 1}/{len(months)} months ({rows:,} firm-months); {month:%Y-%m}: "
                f"{model.kind} model"
                + (f" fitted as of {month_end(refit)}" if model.kind != "expert" else "")
                + f" ({choice.reason}, as of {month_end(refit)})"
            )
    seconds = time.perf_counter() - started

    notes = [
        f"Model in force for {months[-1]:%Y-%m}: {model.kind}; outcome history as of "
        f"{month_end(refit)} on {fitted_firms:,} firms.",
        "Each month is scored by a model that uses only what was known at its refit month's "
        f"end (refitted every {config.refit_every_months} month(s)).",
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
            "months": len(months),
            "contribution_rows": contribution_rows,
            "model_kind": model.kind,
            "model_reason": choice.reason,
            "models_by_kind": ", ".join(f"{k}: {n} months" for k, n in sorted(kinds.items())),
            "latest_month": str(months[-1]),
            "fit_seconds": round(fit_seconds, 2),
            "scoring_seconds": round(seconds - fit_seconds, 2),
            "oot_auc": scorecard.get("auc"),
            "report": dg.MetadataValue.path(str(reports / f"{REPORT_NAME}.md")),
            **{f"latest_month_{g}": n for g, n in sorted(latest_grades.items())},
        }
    )
