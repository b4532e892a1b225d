"""scoring v1: peer percentiles, fallbacks, grades, red flags, reasons, AUC, input errors."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import polars as pl
import pytest

from scoring import (
    DIMENSION_LABELS_ZH,
    DIMENSIONS,
    OUTPUT_COLUMNS,
    IndicatorSpec,
    ScoringConfig,
    indicator_points,
    roc_auc,
    score_panel,
)
from scoring.aggregate import grade_code_expr

JAN = dt.date(2024, 1, 1)
MONTH_FIRM_X = ["period_month", "firm_id", "x"]
FEB = dt.date(2024, 2, 1)


def make_panel(
    values: dict[str, list],
    *,
    division: str | list[str] = "33",
    section: str | list[str] = "C",
    size: str | list[str] = "小型",
    month: dt.date | list[dt.date] = JAN,
    **extra: list,
) -> pl.DataFrame:
    """One row per firm F00, F01, ...; scalars are repeated for every firm."""
    n = len(next(iter(values.values())))

    def column(value):
        return value if isinstance(value, list) else [value] * n

    return pl.DataFrame(
        {
            "firm_id": [f"F{i:02d}" for i in range(n)],
            "period_month": column(month),
            "industry_division": column(division),
            "industry_section": column(section),
            "size_class": column(size),
            **{code: pl.Series(v, dtype=pl.Float64) for code, v in values.items()},
            **extra,
        }
    )


# The red-flag catalog seed's two flags (the pipeline reads them from reference.red_flag_catalog).
RED_FLAGS = (("is_dishonest_debtor", "失信被执行人"), ("is_revoked", "营业执照被吊销"))


def one_group(min_peer_group: int = 1, **kwargs) -> ScoringConfig:
    return ScoringConfig(min_peer_group=min_peer_group, **kwargs)


# Four indicators in four dimensions, so a firm's overall score is the plain mean of its points.
FOUR = [
    IndicatorSpec("sales_yoy", "operations", +1, label_zh="纳税销售额同比增速"),
    IndicatorSpec("patents", "innovation", +1, label_zh="有效专利数"),
    IndicatorSpec("debt_ratio", "structure", -1, label_zh="资产负债率"),
    IndicatorSpec("output_per_head", "efficiency", +1, label_zh="人均产值"),
]


# --- peer percentiles ----------------------------------------------------------------------


def test_peer_percentile_is_mid_rank_within_the_group():
    panel = make_panel({"x": [1.0, 2.0, 3.0, 4.0]})
    spec = IndicatorSpec("x", "operations", +1)
    out = indicator_points(panel, [spec], one_group())
    assert out["x"].to_list() == [12.5, 37.5, 62.5, 87.5]
    assert out["peer_group"].to_list() == ["C33|小型"] * 4


def test_direction_minus_one_flips_points():
    panel = make_panel({"x": [1.0, 2.0, 3.0, 4.0]})
    spec = IndicatorSpec("x", "structure", -1)
    assert indicator_points(panel, [spec], one_group())["x"].to_list() == [87.5, 62.5, 37.5, 12.5]


def test_ties_share_the_average_rank():
    panel = make_panel({"x": [1.0, 2.0, 2.0, 3.0]})
    points = indicator_points(panel, [IndicatorSpec("x", "operations", +1)], one_group())
    assert points["x"].to_list() == [12.5, 50.0, 50.0, 87.5]


def test_null_is_not_available_not_zero():
    panel = make_panel({"x": [1.0, 2.0, None, 3.0, float("nan")]})
    points = indicator_points(panel, [IndicatorSpec("x", "operations", +1)], one_group())
    # The missing firms get no points and do not count as peers (n = 3, not 5).
    assert points["x"].to_list()[2] is None
    assert points["x"].to_list()[4] is None
    assert points["x"].to_list()[:2] + points["x"].to_list()[3:4] == pytest.approx(
        [100 / 6, 50.0, 500 / 6]
    )


def test_percentiles_are_computed_per_month():
    panel = make_panel(
        {"x": [1.0, 2.0, 5.0, 5.0, 6.0, 7.0]},
        month=[JAN, JAN, JAN, FEB, FEB, FEB],
    ).with_columns(firm_id=pl.Series(["A", "B", "C", "A", "B", "C"]))
    out = indicator_points(panel, [IndicatorSpec("x", "operations", +1)], one_group())
    # The same value 5.0 is the best of January but the worst of February.
    points = {(month, firm): x for month, firm, x in out.select(MONTH_FIRM_X).rows()}
    assert points[(JAN, "C")] == pytest.approx(500 / 6)
    assert points[(FEB, "A")] == pytest.approx(100 / 6)


def test_small_division_group_falls_back_to_section_and_size():
    # Division 33 has 2 small firms, division 34 has 3; with min_peer_group=3 the two firms
    # of division 33 are ranked among all 5 small firms of section C.
    panel = make_panel(
        {"x": [10.0, 50.0, 20.0, 30.0, 40.0]}, division=["33", "33", "34", "34", "34"]
    )
    out = indicator_points(panel, [IndicatorSpec("x", "operations", +1)], one_group(3))
    assert out["peer_group"].to_list() == ["C|小型", "C|小型", "C34|小型", "C34|小型", "C34|小型"]
    assert out["x"].to_list() == pytest.approx([10.0, 90.0, 100 / 6, 50.0, 500 / 6])


def test_fallback_reaches_section_then_all_firms():
    panel = make_panel(
        {"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]},
        section=["C", "C", "C", "C", "C", "F"],
        division=["33", "33", "33", "34", "35", "51"],
        size=["小型", "小型", "小型", "小型", "中型", "小型"],
    )
    out = indicator_points(panel, [IndicatorSpec("x", "operations", +1)], one_group(3))
    assert out["peer_group"].to_list() == ["C33|小型"] * 3 + ["C|小型", "C", "all"]
    # The section-level firm (value 5) is the best of the 5 firms of section C.
    assert out["x"].to_list()[4] == 90.0
    # The "all" firm (value 6) is the best of all 6 firms of the month.
    assert out["x"].to_list()[5] == pytest.approx(1100 / 12)


def test_winsorisation_ties_an_outlier_with_the_firm_at_the_cut_off():
    values = [float(v) for v in range(1, 100)] + [1e9]
    panel = make_panel({"x": values})
    spec = IndicatorSpec("x", "operations", +1)
    raw = indicator_points(panel, [spec], one_group(winsor=(0.0, 1.0)))["x"].to_list()
    capped = indicator_points(panel, [spec], one_group())["x"].to_list()
    assert raw[-2:] == [98.5, 99.5]
    # Clipped at the 99th percentile, the outlier earns no more than the firm valued 99.
    assert capped[-2:] == [99.0, 99.0]
    assert capped[50] == raw[50] == 50.5


def test_absence_scores_zero_events_100_and_any_event_far_lower():
    panel = make_panel({"penalties": [0.0, 0.0, 1.0, 3.0, None]})
    spec = IndicatorSpec("penalties", "risk", -1, transform="absence")
    points = indicator_points(panel, [spec], one_group())["penalties"].to_list()
    # Two firms with events: mid-rank percentiles 25% and 75% among them, on a 40-point scale.
    assert points == [100.0, 100.0, 30.0, 10.0, None]


def test_absence_winsorises_positives_only_so_a_clean_record_stays_clean():
    # With the 1% cut-off taken over all values, the single zero would be clipped up to a
    # positive count and lose its 100 points.
    panel = make_panel({"arrears": [0.0] + [float(v) for v in range(1, 200)]})
    spec = IndicatorSpec("arrears", "risk", -1, transform="absence")
    points = indicator_points(panel, [spec], one_group())["arrears"].to_list()
    assert points[0] == 100.0
    assert points[1] == points[2] == pytest.approx(40.0 * (1 - 1.5 / 199))


# --- scores and grades ---------------------------------------------------------------------

# Five firms; each indicator gives points 10, 30, 50, 70 or 90 by rank.
# F00 gets 70, 50, 70, 50 -> overall exactly 60.
FIVE_FIRMS = {
    "sales_yoy": [4.0, 3.0, 1.0, 2.0, 5.0],
    "patents": [3.0, 4.0, 1.0, 2.0, 5.0],
    "debt_ratio": [2.0, 3.0, 5.0, 4.0, 1.0],  # lower is better: 2.0 is 4th best -> 70
    "output_per_head": [3.0, 1.0, 2.0, 4.0, 5.0],
}


def test_dimension_and_overall_scores_are_means_of_points():
    out = score_panel(make_panel(FIVE_FIRMS), FOUR, one_group())
    first = out.row(0, named=True)
    assert [first[f"score_{d}"] for d in DIMENSIONS] == [70.0, 50.0, 70.0, 50.0, None]
    assert first["overall_score"] == 60.0
    assert first["n_indicators"] == 4
    assert first["n_dimensions"] == 4
    assert out["overall_score"].to_list() == [60.0, 45.0, 15.0, 40.0, 90.0]


def test_grade_at_exactly_60_is_healthy_and_cut_offs_are_configurable():
    panel = make_panel(FIVE_FIRMS)
    assert score_panel(panel, FOUR, one_group())["grade"].to_list() == [
        "健康",
        "亚健康",
        "不健康",
        "亚健康",
        "健康",
    ]
    stricter = score_panel(panel, FOUR, one_group(healthy_min=60.01, subhealthy_min=45.0))
    assert stricter["grade"].to_list() == ["亚健康", "亚健康", "不健康", "不健康", "健康"]
    assert stricter["grade_code"].to_list()[3] == "unhealthy"


@pytest.mark.parametrize(
    ("overall", "grade"),
    [(100.0, "healthy"), (55.0, "healthy"), (54.99, "subhealthy"), (40.0, "subhealthy"),
     (39.99, "unhealthy"), (0.0, "unhealthy")],
)  # fmt: skip
def test_grade_boundaries(overall, grade):
    frame = pl.DataFrame(
        {"overall_score": [overall], "_has_red_flag": [False], "_sufficient": [True]}
    )
    assert frame.select(grade_code_expr(ScoringConfig()))["grade_code"].item() == grade


def test_dimension_weights_change_the_overall_score():
    weights = {
        "operations": 3.0,
        "innovation": 1.0,
        "structure": 0.0,
        "efficiency": 0.0,
        "risk": 1.0,
    }
    out = score_panel(make_panel(FIVE_FIRMS), FOUR, one_group(dimension_weights=weights))
    # F00: (3 * 70 + 1 * 50) / 4; risk has no indicator and does not count.
    assert out["overall_score"][0] == 65.0


def test_missing_indicator_is_left_out_of_the_dimension_not_counted_as_zero():
    specs = [*FOUR, IndicatorSpec("margin", "operations", +1, label_zh="利润率")]
    values = dict(FIVE_FIRMS, margin=[None, 1.0, 2.0, 3.0, 4.0])
    out = score_panel(make_panel(values), specs, one_group())
    assert out["score_operations"][0] == 70.0
    assert out["n_indicators"].to_list() == [4, 5, 5, 5, 5]


def test_red_flag_forces_unhealthy_even_with_the_best_score():
    panel = make_panel(FIVE_FIRMS, is_dishonest_debtor=[False, None, False, False, True])
    out = score_panel(panel, FOUR, one_group(red_flags=RED_FLAGS))
    best = out.row(4, named=True)
    assert best["overall_score"] == 90.0
    assert best["grade"] == "不健康"
    assert best["grade_code"] == "unhealthy"
    assert best["red_flags"] == ["失信被执行人"]
    assert best["reasons"][0] == "失信被执行人"
    assert best["reason_codes"][0] == "is_dishonest_debtor"
    # A null flag is not a flag; the absent is_revoked column is all false.
    assert out["grade"][1] == "亚健康"
    assert out["red_flags"][1].to_list() == []


def test_too_little_data_is_insufficient_without_a_score():
    values = {code: list(v) for code, v in FIVE_FIRMS.items()}
    values["patents"][0] = None  # F00 keeps 3 of 4 indicators
    out = score_panel(make_panel(values), FOUR, one_group())
    first = out.row(0, named=True)
    assert first["grade"] == "数据不足"
    assert first["grade_code"] == "insufficient"
    assert first["overall_score"] is None
    assert first["score_operations"] == 70.0
    assert first["reason_codes"] == ["insufficient_data"]
    assert first["reasons"] == ["数据不足：可用指标3项（至少需4项），覆盖维度3个（至少需3个）"]
    assert first["strengths"] == []
    loose = score_panel(make_panel(values), FOUR, one_group(min_indicators=3))
    assert loose["grade"][0] == "健康"


def test_red_flag_wins_over_insufficient_data():
    values = {"sales_yoy": [1.0, 2.0, 3.0], "patents": [None, 1.0, 2.0]}
    panel = make_panel(values, is_revoked=[True, False, False])
    out = score_panel(panel, FOUR[:2], one_group(red_flags=RED_FLAGS))
    assert out["grade"].to_list() == ["不健康", "数据不足", "数据不足"]
    assert out["overall_score"].to_list() == [None, None, None]
    assert out["reasons"][0].to_list()[0] == "营业执照被吊销"
    assert out["reason_codes"][0].to_list() == ["is_revoked", "insufficient_data"]


# --- reasons and strengths -----------------------------------------------------------------


def test_reasons_name_the_costliest_indicator_first_and_strengths_the_best():
    out = score_panel(make_panel(FIVE_FIRMS), FOUR, one_group())
    # F02: sales 10, patents 10, debt ratio 10 (the highest ratio), output 30.
    assert out["reasons"][2].to_list() == [
        "纳税销售额同比增速偏低（同组排名后10%）",
        "有效专利数偏低（同组排名后10%）",
        "资产负债率偏高（同组排名后10%）",
    ]
    assert out["reason_codes"][2].to_list() == ["sales_yoy", "patents", "debt_ratio"]
    # F04 is best in all four: 90 points each, no reasons.
    assert out["reasons"][4].to_list() == []
    assert out["strengths"][4].to_list() == [
        "纳税销售额同比增速较高（同组排名前10%）",
        "有效专利数较高（同组排名前10%）",
    ]
    # F03: 30, 30, 30 and 70 points; only the indicator above the peer median is a strength.
    assert out["strengths"][3].to_list() == ["人均产值较高（同组排名前30%）"]


def test_reasons_weigh_points_by_the_indicators_share_of_the_overall_score():
    # Two indicators share "operations", one each in innovation and structure: an indicator
    # alone in its dimension carries twice the weight.
    specs = [
        IndicatorSpec("a", "operations", +1, label_zh="甲"),
        IndicatorSpec("b", "operations", +1, label_zh="乙"),
        IndicatorSpec("c", "innovation", +1, label_zh="丙"),
        IndicatorSpec("d", "structure", +1, label_zh="丁"),
    ]
    values = {
        "a": [1.0, 2.0, 3.0, 4.0, 5.0],  # F00: 10 points, costs 1/6 * 90 = 15
        "b": [5.0, 4.0, 3.0, 2.0, 1.0],  # F00: 90 points
        "c": [2.0, 1.0, 3.0, 4.0, 5.0],  # F00: 30 points, costs 1/3 * 70 = 23.3
        "d": [3.0, 1.0, 2.0, 4.0, 5.0],  # F00: 50 points, not below the median
    }
    out = score_panel(make_panel(values), specs, one_group(min_dimensions=3))
    assert out["reason_codes"][0].to_list() == ["c", "a"]
    assert out["reasons"][0].to_list() == ["丙偏低（同组排名后30%）", "甲偏低（同组排名后10%）"]


def test_adverse_event_is_a_reason_but_a_clean_record_is_not_a_strength():
    specs = [*FOUR, IndicatorSpec("penalties", "risk", -1, "absence", "行政处罚次数")]
    values = dict(FIVE_FIRMS, penalties=[0.0, 0.0, 0.0, 0.0, 2.0])
    out = score_panel(make_panel(values), specs, one_group())
    assert out["score_risk"].to_list() == [100.0, 100.0, 100.0, 100.0, 20.0]
    # F04: 90 in four dimensions, 20 in risk -> the event is its only reason.
    assert out["reasons"][4].to_list() == ["行政处罚次数：有记录"]
    assert "行政处罚次数" not in "".join(out["strengths"][0].to_list())


# --- output shape --------------------------------------------------------------------------


def test_output_columns_types_and_order():
    panel = make_panel(FIVE_FIRMS).reverse()
    out = score_panel(panel, FOUR, one_group())
    assert tuple(out.columns) == OUTPUT_COLUMNS
    assert out["firm_id"].to_list() == ["F00", "F01", "F02", "F03", "F04"]
    for column in ("red_flags", "reasons", "reason_codes", "strengths"):
        assert out.schema[column] == pl.List(pl.String)
    assert out.schema["overall_score"] == pl.Float64
    assert set(DIMENSION_LABELS_ZH.values()) == {"经营", "创新", "结构", "质效", "风险"}


def test_rows_are_sorted_by_month_then_firm():
    panel = make_panel(
        {"x": [1.0, 2.0, 3.0, 4.0]},
        month=[FEB, JAN, FEB, JAN],
    ).with_columns(firm_id=pl.Series(["B", "B", "A", "A"]))
    out = score_panel(panel, [IndicatorSpec("x", "operations", 1)], one_group())
    assert out.select("period_month", "firm_id").rows() == [
        (JAN, "A"),
        (JAN, "B"),
        (FEB, "A"),
        (FEB, "B"),
    ]


# --- roc_auc -------------------------------------------------------------------------------


def test_roc_auc_hand_cases():
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert roc_auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert roc_auc([0, 0, 1, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    # One tie between a positive and a negative counts one half: (1 + 0.5 + 1 + 1) / 4.
    assert roc_auc([False, False, True, True], [0.1, 0.5, 0.5, 0.9]) == 0.875


def test_roc_auc_matches_counting_pairs():
    rng = np.random.default_rng(7)
    y = rng.random(60) < 0.3
    score = rng.integers(0, 5, 60).astype(float)  # many ties
    pairs = [(p, n) for p, n in itertools.product(score[y], score[~y])]
    expected = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert roc_auc(y, score) == pytest.approx(expected)


def test_roc_auc_rejects_a_single_class():
    with pytest.raises(ValueError, match="both classes"):
        roc_auc([1, 1, 1], [0.1, 0.2, 0.3])


# --- input errors --------------------------------------------------------------------------


def test_missing_required_column_is_named():
    panel = make_panel(FIVE_FIRMS).drop("size_class")
    with pytest.raises(ValueError, match="missing required column.*size_class"):
        score_panel(panel, FOUR)


def test_missing_indicator_column_is_named():
    panel = make_panel(FIVE_FIRMS).drop("patents")
    with pytest.raises(ValueError, match="missing required column.*patents"):
        score_panel(panel, FOUR)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dimension": "profit"}, "unknown dimension 'profit'"),
        ({"transform": "zscore"}, "unknown transform 'zscore'"),
        ({"direction": 0}, "direction must be"),
        ({"direction": 2}, "direction must be"),
        ({"transform": "absence", "direction": 1}, "direction must be -1"),
        ({"weight": 0.0}, "weight must be a positive"),
    ],
)
def test_bad_indicator_spec_is_refused(kwargs, message):
    arguments = {"code": "x", "dimension": "operations", "direction": 1} | kwargs
    with pytest.raises(ValueError, match=message):
        IndicatorSpec(**arguments)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"healthy_min": 40.0, "subhealthy_min": 60.0}, "cut-offs out of order"),
        ({"healthy_min": 120.0}, "cut-offs out of order"),
        ({"winsor": (0.9, 0.1)}, "winsor"),
        ({"dimension_weights": {"operations": 1.0}}, "missing"),
        ({"min_dimensions": 6}, "min_dimensions"),
    ],
)
def test_bad_config_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ScoringConfig(**kwargs)


def test_duplicate_firm_month_is_refused():
    panel = make_panel({"x": [1.0, 2.0]}).with_columns(firm_id=pl.lit("F00"))
    with pytest.raises(ValueError, match="more than one row"):
        score_panel(panel, [IndicatorSpec("x", "operations", 1)])


def test_non_numeric_indicator_is_refused():
    panel = make_panel({"x": [1.0, 2.0]}).with_columns(pl.col("x").cast(pl.String))
    with pytest.raises(ValueError, match="'x' must be numeric"):
        score_panel(panel, [IndicatorSpec("x", "operations", 1)])


def test_repeated_indicator_code_is_refused():
    spec = IndicatorSpec("x", "operations", 1)
    with pytest.raises(ValueError, match="more than once"):
        score_panel(make_panel({"x": [1.0, 2.0]}), [spec, spec])
