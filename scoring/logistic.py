"""Regularised logistic regression with sign constraints (L-BFGS-B) and Platt calibration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.special import expit


@dataclass(frozen=True)
class LogisticFit:
    """``logit P(y = 1) = intercept + X @ coef``.

    Attributes
    ----------
    intercept : float
    coef : numpy.ndarray
    loss : float
        Mean log-loss (without the penalty) at the solution.
    converged : bool
    """

    intercept: float
    coef: np.ndarray
    loss: float
    converged: bool

    def decision(self, X: ArrayLike) -> np.ndarray:
        """Return the log-odds ``intercept + X @ coef``."""
        X = np.asarray(X, dtype=float).reshape(-1, self.coef.size)
        return self.intercept + X @ self.coef

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Return ``P(y = 1)``."""
        return expit(self.decision(X))


def fit_logistic(
    X: ArrayLike,
    y: ArrayLike,
    *,
    l2: float = 0.0,
    sign: ArrayLike | None = None,
    sample_weight: ArrayLike | None = None,
) -> LogisticFit:
    """Return the logistic regression minimising mean log-loss + ``l2 / 2 * |coef|^2``.

    Fitted with ``scipy.optimize.minimize(method="L-BFGS-B")`` and an exact gradient; the
    intercept is not penalised. ``sign`` bounds each coefficient: +1 keeps it >= 0, -1 keeps
    it <= 0, 0 leaves it free. That is how a scorecard keeps its points monotone: a feature
    that must lower the risk can never end up raising it, it is dropped (coefficient 0)
    instead.

    Parameters
    ----------
    X : array_like
        Rows x features, finite.
    y : array_like
        0/1 outcomes.
    l2 : float
        Ridge penalty on the coefficients (on the mean loss, so it does not grow with rows).
    sign : array_like, optional
        One of -1, 0, +1 per feature.
    sample_weight : array_like, optional
        Non-negative row weights (normalised to mean 1).

    Returns
    -------
    LogisticFit

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> fit = fit_logistic(X, [0, 1, 0, 1], sign=[-1])
    >>> float(fit.coef[0]), round(float(fit.predict([[0.0]])[0]), 3)
    (0.0, 0.5)
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    y = np.asarray(y, dtype=float)
    n, k = X.shape
    if y.shape != (n,):
        raise ValueError(f"y must have {n} rows, got shape {y.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X must be finite")
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w = w / w.mean()
    signs = np.zeros(k) if sign is None else np.asarray(sign, dtype=float)
    bounds = [(None, None)] + [
        (0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs
    ]
    rate = float(np.clip(np.average(y, weights=w), 1e-6, 1 - 1e-6))
    start = np.r_[np.log(rate / (1 - rate)), np.zeros(k)]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] + X @ theta[1:]
        loss = np.mean(w * (np.logaddexp(0.0, z) - y * z))
        residual = w * (expit(z) - y) / n
        grad = np.r_[residual.sum(), X.T @ residual + l2 * theta[1:]]
        return float(loss + 0.5 * l2 * theta[1:] @ theta[1:]), grad

    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 500, "ftol": 1e-12, "gtol": 1e-8},
    )
    theta = result.x
    z = theta[0] + X @ theta[1:]
    loss = float(np.mean(w * (np.logaddexp(0.0, z) - y * z)))
    return LogisticFit(float(theta[0]), theta[1:].copy(), loss, bool(result.success))


def fit_platt(log_odds: ArrayLike, y: ArrayLike) -> tuple[float, float]:
    """Return ``(a, b)`` with ``P(y = 1) = 1 / (1 + exp(-(a + b * log_odds)))``, ``b >= 0``.

    Platt scaling: a one-feature logistic regression of the outcome on an uncalibrated
    log-odds score, on rows the score was not fitted on. ``b >= 0`` keeps the order.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=20000)
    >>> y = rng.random(20000) < 1 / (1 + np.exp(-(-2.0 + 0.5 * z)))
    >>> [round(v, 1) for v in fit_platt(z, y)]
    [-2.0, 0.5]
    """
    fit = fit_logistic(np.asarray(log_odds, dtype=float)[:, None], y, sign=[1])
    return fit.intercept, float(fit.coef[0])
