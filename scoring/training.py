"""Training on a firm-month panel without look-ahead: labels, time windows, fitted models.

A firm-month is labelled by whether the firm's first distress event falls in the 12 months
after the month's end (``scoring.backtest.distress_labels``); a month is usable only once its
whole horizon has been observed. ``fit_panel_scorecard`` takes an ``as_of`` date and uses
nothing dated after it: no indicator row of a later month, no event after it, and no month
whose horizon ends after it. Windows are consecutive: fitting months, then the latest
``calibration_months`` labelled months for stacking and calibration, optionally followed by
``test_months`` for an out-of-time test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from scoring.backtest import distress_labels
from scoring.config import IndicatorSpec
from scoring.fit_cache import FitCache
from scoring.governance import oot_auc
from scoring.peers import WAREHOUSE_PEER_LEVELS
from scoring.scorecard import Scorecard, ScorecardConfig, fit_scorecard

OUTCOME = "distress_next"
MONTH = "period_month"


def month_end(day: dt.date) -> dt.date:
    """Return the last day of ``day``'s month.

    Examples
    --------
    >>> month_end(dt.date(2024, 2, 10))
    datetime.date(2024, 2, 29)
    """
    first_next = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return first_next - dt.timedelta(days=1)


def labelled_panel(
    panel: pl.DataFrame,
    events: pl.DataFrame,
    horizon_months: int = 12,
    as_of: dt.date | None = None,
) -> pl.DataFrame:
    """Return the firm-months whose outcome is known by ``as_of``, with ``distress_next``.

    Rows of months after ``as_of`` and events after it are ignored; a row is kept when the firm
    had no event by its month's end and the month's whole horizon ends by ``as_of`` (default:
    the end of the panel's last month).

    Parameters
    ----------
    panel : polars.DataFrame
        ``firm_id``, ``period_month`` (first of month) and anything else.
    events : polars.DataFrame
        ``firm_id`` and ``event_date``.
    horizon_months : int
    as_of : datetime.date, optional

    Returns
    -------
    polars.DataFrame
        The eligible rows of ``panel`` plus a boolean ``distress_next``.

    Examples
    --------
    >>> panel = pl.DataFrame({"firm_id": ["a", "a"],
    ...     "period_month": [dt.date(2024, 1, 1), dt.date(2024, 6, 1)]})
    >>> events = pl.DataFrame({"firm_id": ["a"], "event_date": [dt.date(2025, 3, 1)]})
    >>> labelled_panel(panel, events, 12, as_of=dt.date(2025, 1, 31)).rows()
    [('a', datetime.date(2024, 1, 1), False)]
    """
    if as_of is None:
        as_of = month_end(panel[MONTH].max())
    panel = panel.filter(pl.col(MONTH) <= as_of)
    known = events.filter(pl.col("event_date") <= as_of)
    return (
        distress_labels(panel, known, horizon_months, last_observed=as_of)
        .filter(pl.col("eligible"))
        .drop("eligible")
    )


@dataclass(frozen=True)
class Windows:
    """Consecutive month windows: fit, then calibration, then (optionally) test."""

    fit: tuple[dt.date, ...]
    calibration: tuple[dt.date, ...]
    test: tuple[dt.date, ...] = ()

    def frame(self, panel: pl.DataFrame, which: str) -> pl.DataFrame:
        """Return the rows of ``panel`` in window ``which`` (fit, calibration or test)."""
        months = pl.Series(list(getattr(self, which)), dtype=pl.Date)
        return panel.filter(pl.col(MONTH).is_in(months.implode()))

    def as_dict(self) -> dict[str, list[str]]:
        """Return first and last month of each window (ISO strings; empty when unused)."""
        return {
            name: [str(months[0]), str(months[-1])] if months else []
            for name, months in (
                ("fit", self.fit),
                ("calibration", self.calibration),
                ("test", self.test),
            )
        }


def split_months(
    months: Sequence[dt.date], calibration_months: int = 6, test_months: int = 0
) -> Windows:
    """Return fit, calibration and test windows over the sorted distinct ``months``.

    The test window is the latest ``test_months``, calibration the ``calibration_months``
    before it, fitting everything earlier.

    Examples
    --------
    >>> ms = [dt.date(2024, m, 1) for m in range(1, 13)]
    >>> w = split_months(ms, calibration_months=3, test_months=2)
    >>> len(w.fit), w.calibration[0].month, w.test
    (7, 8, (datetime.date(2024, 11, 1), datetime.date(2024, 12, 1)))
    """
    ordered = sorted(set(months))
    needed = calibration_months + test_months + 1
    if calibration_months < 1 or test_months < 0 or len(ordered) < needed:
        raise ValueError(
            f"need at least {needed} labelled months for {calibration_months} calibration and "
            f"{test_months} test months, got {len(ordered)}"
        )
    cut_test = len(ordered) - test_months
    cut_cal = cut_test - calibration_months
    return Windows(
        tuple(ordered[:cut_cal]), tuple(ordered[cut_cal:cut_test]), tuple(ordered[cut_test:])
    )


def fit_panel_scorecard(
    labelled: pl.DataFrame,
    specs: Sequence[IndicatorSpec],
    windows: Windows,
    config: ScorecardConfig,
    peer_levels: Sequence[Sequence[str]] = WAREHOUSE_PEER_LEVELS,
    shared: dict | None = None,
) -> Scorecard:
    """Return a scorecard fitted on the fit window and stacked/calibrated on the next one.

    ``labelled`` is the output of ``labelled_panel`` (so it already respects ``as_of``);
    folds keep a firm's months together. ``shared``: see ``fit_scorecard`` (fits of several
    methods on the same windows share their peer distributions and bins).
    """
    fit = windows.frame(labelled, "fit")
    calibration = windows.frame(labelled, "calibration")
    model = fit_scorecard(
        fit,
        specs,
        OUTCOME,
        peer_levels=peer_levels,
        calibration=calibration,
        time_column=MONTH,
        group_column="firm_id",
        config=config,
        shared=shared,
    )
    model.training["windows"] = windows.as_dict()
    return model


@dataclass(frozen=True)
class ModelChoice:
    """The model in force and, when outcomes allow, an out-of-time validation model.

    Attributes
    ----------
    production : Scorecard
        Scores every month: fitted on all labelled months but the latest, stacked and
        calibrated on the latest ``calibration_months`` (or an expert model).
    validation : Scorecard or None
        The same recipe one test window earlier, so the test months are unseen.
    production_windows, validation_windows : Windows or None
    reason : str
        Why this kind of model is in force.
    method_auc : dict
        Out-of-time AUC on the validation test window of each method tried (the production
        model uses the best).
    accepted : bool
        False when ``choose_and_fit(accept=...)`` turned the challenger down.
    """

    production: Scorecard
    validation: Scorecard | None
    production_windows: Windows | None
    validation_windows: Windows | None
    reason: str
    method_auc: dict = field(default_factory=dict)
    accepted: bool = True


def choose_and_fit(
    labelled: pl.DataFrame,
    reference_rows: pl.DataFrame,
    specs: Sequence[IndicatorSpec],
    config: ScorecardConfig,
    mode: str = "auto",
    min_events: int = 200,
    calibration_months: int = 6,
    test_months: int = 6,
    peer_levels: Sequence[Sequence[str]] = WAREHOUSE_PEER_LEVELS,
    methods: Sequence[str] | None = None,
    min_labelled_months: int = 1,
    expert_model: Callable[[], Scorecard] | None = None,
    accept: Callable[[Scorecard], bool] | None = None,
    fit_cache: FitCache | None = None,
) -> ModelChoice:
    """Return the model to put in force: fitted when outcome history allows, else expert.

    ``mode="auto"`` fits when the labelled panel holds at least ``min_events`` distress
    firm-months in both the fitting and the calibration window and falls back to the expert
    model (with the reason) when it does not, or when fitting fails. ``"fitted"`` insists
    (and raises); ``"expert"`` never fits. Windows shrink on short histories (a quarter of the
    labelled months each, at least one); the validation model is fitted only when at least
    three windows fit.

    Parameters
    ----------
    labelled : polars.DataFrame
        ``labelled_panel`` output (may be empty).
    reference_rows : polars.DataFrame
        Rows for the expert model's peer distributions (no outcome needed).
    specs : sequence of IndicatorSpec
    config : ScorecardConfig
    mode : str
    min_events : int
    calibration_months, test_months : int
    peer_levels : sequence of sequence of str
    methods : sequence of str, optional
        Fitting methods to try (``ScorecardConfig.method``; default the config's). With
        more than one and a validation window, each is fitted on the validation windows and
        the one with the best out-of-time AUC on the test window is fitted for production.
    min_labelled_months : int
        ``mode="auto"`` stays expert until at least this many labelled months exist (the
        hand-over from expert to fitted happens once, on enough outcome history).
    expert_model : callable, optional
        Gives the expert model to fall back on (e.g. one fitted on every month of a run at
        once: it ranks within each month, so it equals the month's own); default fits one on
        ``reference_rows``.
    accept : callable, optional
        Called with the validation model (the challenger's recipe) before the production model
        is fitted; when it returns False no production model is fitted and the choice holds
        the validation model with ``accepted=False`` (the caller keeps its champion).
    fit_cache : FitCache, optional
        Models fitted by an earlier run on exactly the same rows and settings are read from it
        instead of fitted again (``scoring.fit_cache``); the same models either way.
    """
    if mode not in ("auto", "fitted", "expert"):
        raise ValueError(f"mode must be auto, fitted or expert, got {mode!r}")
    months = sorted(set(labelled[MONTH].to_list())) if labelled.height else []
    n = len(months)

    def expert(reason: str) -> ModelChoice:
        # Without outcomes there is no PD to keep comparable over time: rank among the peers
        # of the same month, as scoring v1 did, so the scores stay stable month to month.
        if expert_model is not None:
            return ModelChoice(expert_model(), None, None, None, reason)
        model = fit_scorecard(
            reference_rows,
            specs,
            None,
            peer_levels=peer_levels,
            peer_by=MONTH,
            config=replace(config, kind="expert"),
        )
        return ModelChoice(model, None, None, None, reason)

    if mode == "expert":
        return expert("expert weights configured")
    cal = min(calibration_months, max(1, n // 4))
    test = min(test_months, max(1, n // 4))
    methods = tuple(methods or (config.method,))
    try:
        if n < 2:
            raise ValueError(f"{n} labelled month(s): need at least 2 to fit and calibrate")
        if mode == "auto" and n < min_labelled_months:
            raise ValueError(f"{n} labelled month(s), fewer than {min_labelled_months}")
        production_windows = split_months(months, cal, 0)
        for name in ("fit", "calibration"):
            events = int(production_windows.frame(labelled, name)[OUTCOME].sum())
            if events < min_events and mode == "auto":
                raise ValueError(
                    f"{events} distress firm-months in the {name} window, fewer than {min_events}"
                )
    except ValueError as error:
        if mode == "fitted":
            raise
        return expert(f"no usable outcome history ({error})")

    def fit(windows: Windows, method: str, shared: dict | None = None) -> Scorecard:
        fitted = replace(config, kind="fitted", method=method)

        def run() -> Scorecard:
            return fit_panel_scorecard(labelled, specs, windows, fitted, peer_levels, shared)

        if fit_cache is None:
            return run()
        levels = tuple(tuple(level) for level in peer_levels)
        return fit_cache.fitted(fit_cache.key(labelled, tuple(specs), windows, fitted, levels), run)

    validation = validation_windows = None
    method_auc: dict[str, float] = {}
    candidates: dict[str, Scorecard] = {}
    if n >= cal + test + 1:
        validation_windows = split_months(months, cal, test)
        test_rows = validation_windows.frame(labelled, "test")
        y = test_rows[OUTCOME].to_numpy()
        shared: dict = {}  # the methods' fits share peer distributions and bins
        for method in methods:
            try:
                candidate = fit(validation_windows, method, shared)
            except ValueError:
                continue
            method_auc[method] = oot_auc(y, candidate.evaluate(test_rows).pd)
            candidates[method] = candidate
    best = max(methods, key=lambda m: (method_auc.get(m, float("-inf")), -methods.index(m)))
    if accept is not None and best in candidates and not accept(candidates[best]):
        # The caller keeps its model in force: no production model is worth fitting.
        reason = f"challenger ({best}) not put in force"
        turned_down = candidates[best]
        return ModelChoice(
            turned_down, turned_down, None, validation_windows, reason, method_auc, False
        )
    try:
        production = fit(production_windows, best)
    except ValueError as error:
        if mode == "fitted":
            raise
        return expert(f"no usable outcome history ({error})")
    validation = candidates.get(best)
    if validation is None:
        validation_windows = None
    reason = f"fitted on {n} labelled months with outcome history ({best})"
    if len(method_auc) > 1:
        reason += "; out-of-time AUC " + ", ".join(f"{m} {a:.3f}" for m, a in method_auc.items())
    return ModelChoice(
        production, validation, production_windows, validation_windows, reason, method_auc
    )
