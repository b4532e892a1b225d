"""Expert weights by the analytic hierarchy process (AHP), with Saaty's consistency check."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

#: Saaty's random consistency index RI for matrices of order 1..15.
RANDOM_INDEX: tuple[float, ...] = (
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
)  # fmt: skip


@dataclass(frozen=True)
class AhpResult:
    """AHP weights of a pairwise-comparison matrix and how consistent the judgements were.

    Attributes
    ----------
    weights : numpy.ndarray
        Principal eigenvector, normalised to sum to 1.
    lambda_max : float
        Principal eigenvalue (``n`` for a perfectly consistent matrix).
    consistency_index : float
        ``CI = (lambda_max - n) / (n - 1)``.
    consistency_ratio : float
        ``CR = CI / RI(n)``; Saaty accepts ``CR < 0.1``. 0 for ``n <= 2``.
    """

    weights: np.ndarray
    lambda_max: float
    consistency_index: float
    consistency_ratio: float


def ahp_weights(matrix: ArrayLike, max_ratio: float | None = 0.1) -> AhpResult:
    """Return the AHP weights of a reciprocal pairwise-comparison matrix.

    ``matrix[i][j]`` says how much more important criterion i is than j on Saaty's 1-9 scale,
    with ``matrix[j][i] = 1 / matrix[i][j]`` and ones on the diagonal.

    Parameters
    ----------
    matrix : array_like
        Square, positive, reciprocal.
    max_ratio : float or None
        Raise ``ValueError`` when the consistency ratio is at or above this (Saaty: 0.1);
        ``None`` skips the check.

    Returns
    -------
    AhpResult

    Raises
    ------
    ValueError
        Not square, not positive, not reciprocal, larger than 15, or too inconsistent.

    Examples
    --------
    >>> r = ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    >>> r.weights.round(3).tolist(), round(r.consistency_ratio, 3)
    ([0.637, 0.258, 0.105], 0.033)
    """
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"AHP matrix must be square, got shape {a.shape}")
    n = a.shape[0]
    if n > len(RANDOM_INDEX):
        raise ValueError(f"AHP matrix larger than {len(RANDOM_INDEX)} has no random index")
    if not np.isfinite(a).all() or (a <= 0).any():
        raise ValueError("AHP matrix entries must be positive and finite")
    if not np.allclose(a * a.T, 1.0, rtol=1e-6):
        raise ValueError("AHP matrix must be reciprocal: a[j][i] = 1 / a[i][j], diagonal 1")
    eigenvalues, eigenvectors = np.linalg.eig(a)
    top = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[top].real)
    vector = np.abs(eigenvectors[:, top].real)
    weights = vector / vector.sum()
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    cr = ci / RANDOM_INDEX[n - 1] if n > 2 else 0.0
    if max_ratio is not None and cr >= max_ratio:
        raise ValueError(
            f"AHP judgements are inconsistent: consistency ratio {cr:.3f} >= {max_ratio} "
            "(revise the pairwise comparisons)"
        )
    return AhpResult(weights, lambda_max, float(ci), float(cr))
