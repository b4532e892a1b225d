"""A monthly scoring run without look-ahead: the refit calendar, the training sample, the
model in force for each month, score stability month over month and the run's report.

The fitted model is refitted at the end of every ``refit_every_months``-th calendar month and
the scores of month M come from the model fitted as of the latest refit month Q <= M
(``scoring.training.labelled_panel(as_of=end of Q)``: indicator rows up to Q, distress events
up to Q). Where no outcome history exists yet at Q, the expert (cold-start) model ranks month
M's firms among their peers of month M. Fitting reads a sample of firms chosen by a hash of
their id (``sample_cutoff``), so the same firms are sampled every run and a smaller share
samples a subset of a larger one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from scoring.config import DIMENSIONS, IndicatorSpec, ScoringConfig
from scoring.defaults import ScoringDefaults
from scoring.fit_cache import FitCache
from scoring.governance import challenger_wins, oot_auc, switch_effect
from scoring.peers import WAREHOUSE_PEER_LEVELS
from scoring.scorecard import PointsScale, Scorecard, ScorecardConfig, fit_scorecard
from scoring.training import (
    MONTH,
    OUTCOME,
    ModelChoice,
    choose_and_fit,
    labelled_panel,
    month_end,
)
from scoring.validation import build_report, psi_month_over_month

#: Firms are sampled by ``hash(firm_id) % SAMPLE_BUCKETS`` below ``sample_cutoff(share)``.
SAMPLE_BUCKETS = 1_000_000
SAMPLE_HASH = "_sample_hash"


def scorecard_config(
    settings: ScoringDefaults, red_flags: tuple[tuple[str, str], ...]
) -> ScorecardConfig:
    """Return the scorecard configuration of a run.

    Examples
    --------
    >>> from scoring.defaults import DEFAULTS
    >>> scorecard_config(DEFAULTS, ()).healthy_min, scorecard_config(DEFAULTS, ()).dimensions[0]
    (55.0, 'operations')
    """
    return ScorecardConfig(
        kind=settings.model,
        method="boosted" if settings.method == "auto" else settings.method,
        boost_engine=settings.boost_engine,
        score_anchors=(settings.score_pd_at_0, settings.score_pd_at_100),
        min_peer_group=settings.min_peer_group,
        healthy_max_pd=settings.healthy_max_pd,
        subhealthy_max_pd=settings.subhealthy_max_pd,
        healthy_min=settings.healthy_min,
        subhealthy_min=settings.subhealthy_min,
        min_indicators=settings.min_indicators,
        min_dimensions=settings.min_dimensions,
        absence_max_points=settings.absence_max_points,
        red_flags=red_flags,
        ahp_matrix=tuple(tuple(row) for row in settings.ahp_matrix)
        if settings.ahp_matrix
        else None,
        dimensions=DIMENSIONS,
        points=PointsScale(settings.base_points, settings.base_odds, settings.pdo),
    )


def baseline_config(
    settings: ScoringDefaults, red_flags: tuple[tuple[str, str], ...]
) -> ScoringConfig:
    """Return the configuration of the v1 baseline (``score_panel``) the report compares with.

    Examples
    --------
    >>> from scoring.defaults import DEFAULTS
    >>> baseline_config(DEFAULTS, ()).min_indicators
    4
    """
    return ScoringConfig(
        healthy_min=settings.healthy_min,
        subhealthy_min=settings.subhealthy_min,
        min_peer_group=settings.min_peer_group,
        min_indicators=settings.min_indicators,
        min_dimensions=settings.min_dimensions,
        absence_max_points=settings.absence_max_points,
        red_flags=red_flags,
    )


def training_shares(first_months: dict, months: Iterable, max_firms: int) -> dict:
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


def sample_cutoff(share: float) -> int:
    """Return the hash bucket below which a firm is in a sample of ``share`` of the firms.

    >>> sample_cutoff(0.25), sample_cutoff(1.0)
    (250000, 1000000)
    """
    return int(share * SAMPLE_BUCKETS)


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


def explained_months(panel_months: Sequence[dt.date], contribution_months: int) -> set:
    """Return the months whose per-indicator contributions are kept: the latest
    ``contribution_months`` of the panel (0 = every month, -1 = none).

    >>> sorted(explained_months([1, 2, 3], 2)), sorted(explained_months([1, 2, 3], 0))
    ([2, 3], [1, 2, 3])
    >>> explained_months([1, 2, 3], -1)
    set()
    """
    if contribution_months == 0:
        return set(panel_months)
    if contribution_months > 0:
        return set(panel_months[-contribution_months:])
    return set()


class _ReplayedExpert:
    """What a replayed refit without outcome history puts in force: only its kind is read."""

    kind = "expert"


_REPLAYED_EXPERT = _ReplayedExpert()


@dataclass(frozen=True)
class ModelInForce:
    """The model that scores a month, with what it was fitted on."""

    choice: ModelChoice
    labelled: pl.DataFrame  # the labelled training panel as of the refit month
    fitted_firms: int
    refit: dt.date  # the refit month whose end bounds what the model knew


class MonthlyModels:
    """The models in force month by month: one fit per refit month (reused by every month up
    to the next), or, without outcome history, an expert model of the month's own peers.

    Parameters
    ----------
    sample : polars.DataFrame
        Indicator rows of the widest training sample, with the firm's hash bucket in
        ``_sample_hash`` (``hash(firm_id) % SAMPLE_BUCKETS``).
    shares : dict
        Share of firms sampled as of each month (``training_shares``).
    events : polars.DataFrame
        ``firm_id``, ``event_date`` of the distress events.
    specs : sequence of IndicatorSpec
    config : ScorecardConfig
    settings : ScoringDefaults
        The run's model choice, windows and refit calendar.
    fit_cache : FitCache, optional
        Models an earlier run fitted on the same rows and settings (``scoring.fit_cache``), so
        replaying the refit history costs no fit where nothing changed.
    """

    def __init__(
        self,
        sample: pl.DataFrame,
        shares: dict,
        events: pl.DataFrame,
        specs: Sequence[IndicatorSpec],
        config: ScorecardConfig,
        settings: ScoringDefaults,
        fit_cache: FitCache | None = None,
    ) -> None:
        self.sample, self.shares, self.events = sample, shares, events
        self.specs, self.config, self.settings = specs, config, settings
        self.fit_cache = fit_cache
        self._fitted: dict[dt.date, ModelInForce] = {}
        self._champion: ModelInForce | None = None
        self._expert: Scorecard | None = None
        self._decided: set[dt.date] = set()
        self._labelled: dict[dt.date, tuple[pl.DataFrame, int]] = {}
        #: One entry per refit with a fitted challenger: the decision and what it changed.
        self.refits: list[dict] = []

    def training(self, upto: dt.date, only: bool = False) -> pl.DataFrame:
        """Return the training sample as of ``upto`` (its months up to it, or only it)."""
        month = pl.col("period_month")
        rows = self.sample.filter((month == upto) if only else (month <= upto))
        share = self.shares[upto]
        if share < 1:
            rows = rows.filter(pl.col(SAMPLE_HASH) < sample_cutoff(share))
        return rows.drop(SAMPLE_HASH)

    def _methods(self) -> tuple[str, ...] | None:
        """Return the fitting methods a refit tries: both under ``method="auto"`` until a
        fitted model is in force, then the champion's (``None``: the config's)."""
        if self._champion is not None:
            return (self._champion.choice.production.config.method,)
        return ("boosted", "woe") if self.settings.method == "auto" else None

    def _no_expert(self) -> Scorecard:
        """Stand in for the expert model where a replayed refit only needs the decision."""
        return _REPLAYED_EXPERT  # type: ignore[return-value]

    def expert_model(self) -> Scorecard:
        """Return the expert (cold-start) model of every month of the run, fitted once on the
        sampled rows of all of them: it ranks each month's firms among their peers of the same
        month (``peer_by``), so it scores a month exactly as that month's own model would."""
        if self._expert is None:
            rows = pl.concat([self.training(m, only=True) for m in sorted(self.shares)])
            config = replace(self.config, kind="expert")

            def fit() -> Scorecard:
                return fit_scorecard(
                    rows,
                    self.specs,
                    None,
                    peer_levels=WAREHOUSE_PEER_LEVELS,
                    peer_by=MONTH,
                    config=config,
                )

            if self.fit_cache is None:
                self._expert = fit()
            else:
                levels = tuple(tuple(level) for level in WAREHOUSE_PEER_LEVELS)
                key = self.fit_cache.key(rows, "expert", tuple(self.specs), config, levels, MONTH)
                self._expert = self.fit_cache.fitted(key, fit)
        return self._expert

    def for_month(self, month: dt.date) -> ModelInForce:
        """Return the model in force for ``month`` (see ``_refit``), after deciding every
        earlier refit in order: which model is in force depends on the champion history, so
        a backfill of a few months replays it and puts in force what a full run would."""
        every = self.settings.refit_every_months
        refit = refit_month(month, every)
        if refit in self._fitted:
            return self._fitted[refit]
        q = refit_month(self.sample[MONTH].min(), every)
        while q < refit:
            if q >= self.sample[MONTH].min() and q in self.shares and q not in self._decided:
                self._refit(q, q, replay=True)
            q = refit_month(dt.date(q.year + (q.month + every - 1) // 12,
                                    (q.month + every - 1) % 12 + 1, 1), every)  # fmt: skip
        return self._refit(refit, month)

    def _refit(self, refit: dt.date, month: dt.date, replay: bool = False) -> ModelInForce:
        """Return the model in force for ``month``: fitted as of its refit month when the
        outcome history allows (one fit per refit month), else expert among ``month``'s peers.

        A refit's challenger replaces the champion (the fitted model in force) only when it
        ranks the newest labelled months, which neither model was fitted on, better
        (``scoring.governance.challenger_wins``); otherwise the champion stays in force,
        version and all. Each decision is logged in ``refits`` with its effect on the month's
        sampled firms."""
        self._decided.add(refit)
        if refit in self._fitted:
            return self._fitted[refit]
        if refit not in self._labelled:
            training = self.training(refit)
            self._labelled[refit] = (
                labelled_panel(training, self.events, as_of=month_end(refit)),
                training["firm_id"].n_unique(),
            )
        labelled, firms = self._labelled[refit]
        rows = self.training(month, only=True)
        settings = self.settings
        champion = self._champion
        entry: dict = {"refit": str(month_end(refit)), "month": str(month)}

        def accept(challenger: Scorecard) -> bool:
            """Compare on the labelled months the champion never saw (neither did the
            challenger's validation model); decide before the production model is fitted."""
            if champion is None:
                return True
            newest = labelled.filter(pl.col(MONTH) > champion.labelled[MONTH].max())
            y = newest[OUTCOME].to_numpy()
            entry["newest_months"] = newest[MONTH].n_unique()
            model = champion.choice.production
            entry["champion_auc"] = oot_auc(y, model.evaluate(newest).pd) if newest.height else None
            entry["challenger_auc"] = (
                oot_auc(y, challenger.evaluate(newest).pd) if newest.height else None
            )
            wins, entry["why"] = challenger_wins(
                float("nan") if entry["champion_auc"] is None else entry["champion_auc"],
                float("nan") if entry["challenger_auc"] is None else entry["challenger_auc"],
                settings.switch_margin,
            )
            return wins

        choice = choose_and_fit(
            labelled,
            rows,
            self.specs,
            self.config,
            mode=settings.model,
            min_events=settings.min_events,
            calibration_months=settings.calibration_months,
            test_months=settings.test_months,
            # The method is chosen once, at the hand-over; refits re-estimate the champion's.
            methods=self._methods(),
            min_labelled_months=settings.min_labelled_months,
            expert_model=self._no_expert if replay else self.expert_model,
            accept=accept,
            fit_cache=self.fit_cache,
        )
        in_force = ModelInForce(choice, labelled, firms, refit)
        if choice.production.kind == "expert":
            if champion is not None:  # a failed refit: the champion stays
                entry.update(decision="kept champion", why=choice.reason)
                self.refits.append(entry)
                self._fitted[refit] = champion
                return champion
            return in_force  # expert: never the champion (one model ranks each month's peers)
        if champion is None:
            entry["decision"] = "hand-over: expert -> first fitted model"
            old = self.expert_model()
        elif not choice.accepted or "challenger_auc" not in entry:
            # turned down, or not measurable out of time: the champion stays
            entry["decision"] = "kept champion"
            self.refits.append(entry)
            self._fitted[refit] = champion
            return champion
        else:
            entry["decision"] = "switched"
            old = champion.choice.production
        if rows.height:
            before, after = old.evaluate(rows), choice.production.evaluate(rows)
            entry["effect"] = switch_effect(
                before.overall, before.grade_code, after.overall, after.grade_code
            )
        entry["method"] = choice.production.training.get("method")
        self.refits.append(entry)
        self._fitted[refit] = self._champion = in_force
        return in_force


def score_batches(
    months: Sequence[dt.date], in_force: dict, month_rows: dict, max_rows: int
) -> list[list[dt.date]]:
    """Return the run's months in batches scored in one pass: consecutive months with the same
    model in force (``in_force[month].choice.production``), at most ``max_rows`` rows a batch
    (``month_rows``) unless one month alone is larger.

    >>> class M:  # a stand-in for ModelInForce: only .choice.production is read
    ...     def __init__(self, model): self.choice = type("C", (), {"production": model})
    ...
    >>> a, b = M("expert"), M("fitted")
    >>> score_batches([1, 2, 3, 4], {1: a, 2: a, 3: b, 4: b}, {1: 5, 2: 5, 3: 5, 4: 5}, 10)
    [[1, 2], [3, 4]]
    >>> score_batches([1, 2, 3], {1: a, 2: a, 3: a}, {1: 6, 2: 6, 3: 6}, 10)
    [[1], [2], [3]]
    """
    batches: list[list[dt.date]] = []
    total = 0
    for month in months:
        model = in_force[month].choice.production
        rows = month_rows.get(month, 0)
        same = batches and in_force[batches[-1][0]].choice.production is model
        if same and total + rows <= max_rows:
            batches[-1].append(month)
            total += rows
        else:
            batches.append([month])
            total = rows
    return batches


class ScoreStability:
    """PSI of each month's overall scores against the month before, one month in memory.

    Examples
    --------
    >>> stability = ScoreStability()
    >>> stability.add("2024-01", np.arange(100.0))
    >>> stability.add("2024-02", np.arange(100.0))
    >>> stability.rows
    [{'month': '2024-02', 'previous': '2024-01', 'psi': 0.0}]
    """

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self._previous: tuple[object, np.ndarray] | None = None

    def add(self, month: object, scores: np.ndarray) -> None:
        """Take the overall scores of the next month (nulls dropped)."""
        if self._previous is not None:
            previous_month, previous = self._previous
            self.rows += psi_month_over_month([previous_month, month], [previous, scores])
        self._previous = (month, scores)


def run_report(
    latest: ModelInForce,
    latest_month: dt.date,
    specs: Sequence[IndicatorSpec],
    settings: ScoringDefaults,
    red_flags: tuple[tuple[str, str], ...],
    psi_rows: Sequence[dict],
    generated: str,
    refits: Sequence[dict] = (),
) -> dict[str, object]:
    """Return the validation report of a run (JSON-ready; ``scoring.validation.render_markdown``
    formats it), for the model in force in the run's latest month."""
    model = latest.choice.production
    notes = [
        f"Model in force for {latest_month:%Y-%m}: {model.kind}; outcome history as of "
        f"{month_end(latest.refit)} on {latest.fitted_firms:,} firms.",
        "Each month is scored by a model that uses only what was known at its refit month's "
        f"end (refitted every {settings.refit_every_months} month(s)).",
        "The equal-weight baseline is scoring v1 (peer percentiles, equal dimension weights).",
    ]
    return build_report(
        latest.choice,
        latest.labelled,
        specs,
        baseline_config(settings, red_flags),
        psi_rows=psi_rows,
        generated=generated,
        notes=notes,
        refits=refits,
    )
