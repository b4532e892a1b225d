"""The compliance back-test's arithmetic: precision and recall, truth item families, month steps."""

import datetime as dt
import importlib.util
from pathlib import Path

import polars as pl
import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "compliance_backtest.py"
_SPEC = importlib.util.spec_from_file_location("compliance_backtest", _PATH)
backtest = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(backtest)


def test_precision_and_recall_count_hits_against_both_sides():
    assert backtest.precision_recall({1, 2, 3}, {2, 3, 4, 5}) == (3, 4, 2, 2 / 3, 0.5)


def test_empty_lists_have_no_precision_rather_than_zero():
    assert backtest.precision_recall(set(), {1}) == (0, 1, 0, None, 0.0)
    assert backtest.precision_recall({1}, set()) == (1, 0, 0, 0.0, None)


def test_truth_items_map_report_headers_to_item_families(tmp_path):
    path = tmp_path / "report_mismatches.csv"
    pl.DataFrame(
        {
            "uscc": ["A", "A", "A", "B"],
            "report_year": [2025, 2025, 2025, 2024],
            "item": ["营业总收入(万元)", "主营业务收入(万元)", "从业人数", "contributions_paid"],
            "declared": [1.0, 2.0, 3.0, 4.0],
            "true_value": [0.5, 1.0, 1.0, 1.0],
        }
    ).write_csv(path)
    rows = backtest.truth_mismatches(path).rows()
    # total and main revenue are one family: one row per firm, year and family
    assert rows == [
        ("A", 2025, "employees"),
        ("A", 2025, "total_revenue"),
        ("B", 2024, "contributions_paid"),
    ]


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [
        (dt.date(2026, 9, 1), 23, dt.date(2024, 10, 1)),
        (dt.date(2026, 1, 1), 1, dt.date(2025, 12, 1)),
        (dt.date(2026, 12, 1), 11, dt.date(2026, 1, 1)),
    ],
)
def test_months_before_steps_back_whole_months(month, n, expected):
    assert backtest.months_before(month, n) == expected
