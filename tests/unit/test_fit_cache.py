"""Fitted models kept between runs (scoring.fit_cache): a run whose training rows and settings
are those of an earlier run reads its models back instead of fitting them, and gets exactly the
same scores; anything that changes what a fit reads means a new fit."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import replace

import polars as pl
import pytest

from scoring.fit_cache import FitCache
from scoring.monthly import MonthlyModels, scorecard_config
from tests.unit.test_scoring_monthly import SETTINGS, months_of
from tests.unit.test_scoring_training import SPECS, make_panel

APRIL, JUNE = dt.date(2025, 4, 1), dt.date(2025, 6, 1)
# a challenger that always wins: every quarter end fits and puts in force a new model
ALWAYS_SWITCH = replace(SETTINGS, switch_margin=-1.0)


@pytest.fixture(scope="module")
def panel():
    sample, events = make_panel()
    return sample.with_columns(_sample_hash=pl.lit(0, dtype=pl.Int64)), events


def models(sample, events, cache) -> MonthlyModels:
    shares = dict.fromkeys(months_of(sample), 1.0)
    config = scorecard_config(ALWAYS_SWITCH, ())
    return MonthlyModels(sample, shares, events, SPECS, config, ALWAYS_SWITCH, cache)


def scores_of(run: MonthlyModels, sample: pl.DataFrame, month: dt.date) -> pl.DataFrame:
    rows = sample.filter(pl.col("period_month") == month).drop("_sample_hash")
    return run.for_month(month).choice.production.score(rows)


def test_a_rerun_reads_its_models_back_and_scores_the_same_bits(panel, tmp_path):
    sample, events = panel
    first = FitCache(tmp_path)
    before = scores_of(models(sample, events, first), sample, JUNE)
    assert first.fits >= 2 and first.reused == 0  # the refits up to June, each fitted
    kept = sorted(p.name for p in tmp_path.glob("*.pickle"))
    assert len(kept) == first.fits

    again = FitCache(tmp_path)
    after = scores_of(models(sample, events, again), sample, JUNE)
    assert (again.fits, again.reused) == (0, first.fits)
    assert after.equals(before)  # every column, every row, bit for bit
    uncached = scores_of(models(sample, events, None), sample, JUNE)
    assert uncached.equals(before)


def test_one_changed_training_row_is_a_new_fit(panel, tmp_path):
    sample, events = panel
    first = FitCache(tmp_path)
    models(sample, events, first).for_month(APRIL)
    # one firm's value in the first month: every refit's training rows include it
    code = SPECS[0].code
    earliest = sample["period_month"].min()
    changed = sample.with_columns(
        pl.when((pl.col("firm_id") == "F0000") & (pl.col("period_month") == earliest))
        .then(pl.col(code) + 1)
        .otherwise(pl.col(code))
        .alias(code)
    )
    second = FitCache(tmp_path)
    models(changed, events, second).for_month(APRIL)
    assert second.reused == 0 and second.fits == first.fits


def test_a_different_setting_is_a_new_fit(panel, tmp_path):
    sample, events = panel
    first = FitCache(tmp_path)
    models(sample, events, first).for_month(APRIL)
    shares = dict.fromkeys(months_of(sample), 1.0)
    settings = replace(ALWAYS_SWITCH, pdo=ALWAYS_SWITCH.pdo + 5)
    other = FitCache(tmp_path)
    MonthlyModels(
        sample, shares, events, SPECS, scorecard_config(settings, ()), settings, other
    ).for_month(APRIL)
    assert other.reused == 0 and other.fits == first.fits


def test_an_unreadable_model_file_is_fitted_again(panel, tmp_path):
    sample, events = panel
    first = FitCache(tmp_path)
    before = scores_of(models(sample, events, first), sample, APRIL)
    for path in tmp_path.glob("*.pickle"):
        path.write_bytes(path.read_bytes()[:100])  # a truncated file
    again = FitCache(tmp_path)
    assert scores_of(models(sample, events, again), sample, APRIL).equals(before)
    assert (again.fits, again.reused) == (first.fits, 0)
    assert not list(tmp_path.glob(".*.tmp"))  # nothing half-written left


def test_models_unused_for_the_keeping_period_are_removed(tmp_path):
    old, recent = tmp_path / "a.pickle", tmp_path / "b.pickle"
    old.write_bytes(b"x")
    recent.write_bytes(b"y")
    long_ago = time.time() - 91 * 86400
    os.utime(old, (long_ago, long_ago))
    FitCache(tmp_path, keep_days=90)
    assert not old.exists() and recent.exists()


def test_a_model_half_written_by_a_killed_run_is_removed(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    left = tmp_path / f".abc.pickle.{dead.stdout.strip()}.tmp"
    mine = tmp_path / f".def.pickle.{os.getpid()}.tmp"  # a live writer's
    left.write_bytes(b"half")
    mine.write_bytes(b"half")
    FitCache(tmp_path)
    assert not left.exists() and mine.exists()


def test_a_model_that_cannot_be_kept_is_still_returned(tmp_path):
    cache = FitCache(tmp_path)
    model = cache.fitted("k", lambda: lambda: None)  # a lambda cannot be pickled
    assert callable(model) and (cache.fits, cache.unkept) == (1, 1)
    assert not list(tmp_path.iterdir())  # nothing half-written left
