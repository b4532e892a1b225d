"""Indicator specifications and scoring configuration (validated on construction)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from scoring.defaults import DEFAULTS

DIMENSIONS: tuple[str, ...] = ("operations", "innovation", "structure", "efficiency", "risk")
DIMENSION_LABELS_ZH: dict[str, str] = {
    "operations": "经营",
    "innovation": "创新",
    "structure": "结构",
    "efficiency": "质效",
    "risk": "风险",
}
TRANSFORMS: tuple[str, ...] = ("peer_percentile", "absence")
GRADE_LABELS_ZH: dict[str, str] = {
    "healthy": "健康",
    "subhealthy": "亚健康",
    "unhealthy": "不健康",
    "insufficient": "数据不足",
}


@dataclass(frozen=True)
class IndicatorSpec:
    """One scored indicator: its panel column, dimension, direction and transform.

    Parameters
    ----------
    code : str
        Name of the Float64 column in the panel (nulls mean "not available").
    dimension : str
        One of ``DIMENSIONS``.
    direction : int
        ``+1`` if a higher value is healthier, ``-1`` if a lower value is healthier.
    transform : str
        ``"peer_percentile"`` for continuous indicators, ``"absence"`` for counts of adverse
        events where 0 is best (``direction`` must then be ``-1``).
    label_zh : str
        Chinese label used in reasons; the code is used when empty.
    weight : float
        Weight of the indicator within its dimension (positive).

    Examples
    --------
    >>> IndicatorSpec("tax_sales_yoy", "operations", +1, label_zh="纳税销售额同比增速").label
    '纳税销售额同比增速'
    """

    code: str
    dimension: str
    direction: int
    transform: str = "peer_percentile"
    label_zh: str = ""
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code:
            raise ValueError(f"indicator code must be a non-empty string, got {self.code!r}")
        if self.dimension not in DIMENSIONS:
            raise ValueError(
                f"indicator {self.code!r}: unknown dimension {self.dimension!r}; "
                f"expected one of {', '.join(DIMENSIONS)}"
            )
        if self.transform not in TRANSFORMS:
            raise ValueError(
                f"indicator {self.code!r}: unknown transform {self.transform!r}; "
                f"expected one of {', '.join(TRANSFORMS)}"
            )
        if isinstance(self.direction, bool) or self.direction not in (1, -1):
            raise ValueError(
                f"indicator {self.code!r}: direction must be +1 (higher is better) or "
                f"-1 (lower is better), got {self.direction!r}"
            )
        if self.transform == "absence" and self.direction != -1:
            raise ValueError(
                f"indicator {self.code!r}: the 'absence' transform scores 0 events as best, "
                "so direction must be -1"
            )
        if not (isinstance(self.weight, int | float) and math.isfinite(self.weight)) or (
            self.weight <= 0
        ):
            raise ValueError(
                f"indicator {self.code!r}: weight must be a positive number, got {self.weight!r}"
            )

    @property
    def label(self) -> str:
        """Return the Chinese label, or the code when no label was given."""
        return self.label_zh or self.code


@dataclass(frozen=True)
class ScoringConfig:
    """Cut-offs, data-sufficiency rules, winsorisation and red flags for ``score_panel``.

    Defaults from ``scoring.defaults.DEFAULTS`` (what the pipeline runs with).

    Parameters
    ----------
    healthy_min, subhealthy_min : float
        Overall score at or above ``healthy_min`` is 健康, at or above ``subhealthy_min`` is
        亚健康, below is 不健康. Must satisfy ``0 <= subhealthy_min <= healthy_min <= 100``.
    min_peer_group : int
        Smallest number of firms (in the month) a peer group may have before the firm falls
        back to the next, broader group.
    min_indicators, min_dimensions : int
        A firm with fewer available indicators or dimensions gets 数据不足 and no overall score.
    winsor : tuple of float
        Lower and upper quantiles (within the month) at which values are clipped.
    dimension_weights : mapping or None
        Weight per dimension for the overall score (every dimension must be given); ``None``
        means equal weights.
    red_flags : tuple of (column, Chinese label)
        Boolean panel columns that force 不健康 when true (default none; the pipeline passes
        the red-flag catalog seed, ``reference.red_flag_catalog``).
    absence_max_points : float
        Points of the mildest positive value of an ``"absence"`` indicator; points fall from
        here towards 0 with the value's percentile among the firms with a positive value.

    Examples
    --------
    >>> ScoringConfig(healthy_min=70.0).subhealthy_min
    40.0
    """

    healthy_min: float = DEFAULTS.healthy_min
    subhealthy_min: float = DEFAULTS.subhealthy_min
    min_peer_group: int = DEFAULTS.min_peer_group
    min_indicators: int = DEFAULTS.min_indicators
    min_dimensions: int = DEFAULTS.min_dimensions
    winsor: tuple[float, float] = (0.01, 0.99)
    dimension_weights: Mapping[str, float] | None = None
    red_flags: tuple[tuple[str, str], ...] = ()
    absence_max_points: float = DEFAULTS.absence_max_points

    def __post_init__(self) -> None:
        if not 0.0 <= self.subhealthy_min <= self.healthy_min <= 100.0:
            raise ValueError(
                "grade cut-offs out of order: need 0 <= subhealthy_min <= healthy_min <= 100, "
                f"got subhealthy_min={self.subhealthy_min}, healthy_min={self.healthy_min}"
            )
        if self.min_peer_group < 1:
            raise ValueError(f"min_peer_group must be at least 1, got {self.min_peer_group}")
        if self.min_indicators < 0:
            raise ValueError(f"min_indicators must be >= 0, got {self.min_indicators}")
        if not 0 <= self.min_dimensions <= len(DIMENSIONS):
            raise ValueError(
                f"min_dimensions must be between 0 and {len(DIMENSIONS)}, got {self.min_dimensions}"
            )
        if len(self.winsor) != 2 or not 0.0 <= self.winsor[0] < self.winsor[1] <= 1.0:
            raise ValueError(
                f"winsor must be (lower, upper) with 0 <= lower < upper <= 1, got {self.winsor}"
            )
        if self.dimension_weights is not None:
            unknown = sorted(set(self.dimension_weights) - set(DIMENSIONS))
            missing = [d for d in DIMENSIONS if d not in self.dimension_weights]
            if unknown or missing:
                raise ValueError(
                    "dimension_weights must give a weight for each of "
                    f"{', '.join(DIMENSIONS)}; unknown: {unknown}, missing: {missing}"
                )
            values = list(self.dimension_weights.values())
            if any(not math.isfinite(w) or w < 0 for w in values) or sum(values) <= 0:
                raise ValueError(
                    "dimension_weights must be finite, non-negative and not all zero, "
                    f"got {dict(self.dimension_weights)}"
                )
        columns = [column for column, _ in self.red_flags]
        if len(set(columns)) != len(columns):
            raise ValueError(f"red_flags name a column twice: {columns}")
        if not 0.0 <= self.absence_max_points <= 100.0:
            raise ValueError(
                f"absence_max_points must be between 0 and 100, got {self.absence_max_points}"
            )

    def dimension_weight(self, dimension: str) -> float:
        """Return the weight of ``dimension`` in the overall score (1.0 when equal weights)."""
        if self.dimension_weights is None:
            return 1.0
        return float(self.dimension_weights[dimension])


def specs_from_catalog(catalog: pl.DataFrame) -> list[IndicatorSpec]:
    """Return one IndicatorSpec per row of the indicator catalog seed (the single source of
    indicator directions, dimensions and labels), in indicator-code order.

    Examples
    --------
    >>> catalog = pl.DataFrame({"indicator_code": ["roa"], "dimension": ["efficiency"],
    ...     "direction": [1], "transform": ["peer_percentile"], "name_zh": ["总资产收益率"]})
    >>> specs_from_catalog(catalog)[0].label
    '总资产收益率'
    """
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
