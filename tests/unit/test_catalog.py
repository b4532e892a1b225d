"""The indicator catalog seed drives scoring directions and report labels."""

from pathlib import Path

import polars as pl

from pipelines.defs.scoring.assets import specs_from_catalog
from scoring import DIMENSIONS, TRANSFORMS

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "catalog"


def catalog() -> pl.DataFrame:
    return pl.read_csv(SEEDS / "indicator_catalog.csv")


def test_catalog_rows_become_scoring_specs():
    cat = catalog()
    specs = specs_from_catalog(cat)
    assert len(specs) == cat.height == cat["indicator_code"].n_unique()
    by_code = {s.code: s for s in specs}
    assert by_code["debt_to_assets"].direction == -1
    assert by_code["debt_to_assets"].dimension == "structure"
    assert by_code["debt_to_assets"].label_zh == "资产负债率"
    assert by_code["open_enforcement_cases"].transform == "absence"


def test_every_dimension_has_indicators_and_labels_are_chinese():
    cat = catalog()
    assert set(cat["dimension"]) == set(DIMENSIONS)
    assert set(cat["transform"]) <= set(TRANSFORMS)
    assert set(cat["direction"]) <= {1, -1}
    zh = {
        "operations": "经营",
        "innovation": "创新",
        "structure": "结构",
        "efficiency": "质效",
        "risk": "风险",
    }
    for row in cat.iter_rows(named=True):
        assert row["dimension_zh"] == zh[row["dimension"]], row["indicator_code"]
        assert row["action_department_zh"] and row["suggestion_zh"], row["indicator_code"]
