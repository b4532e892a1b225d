"""The indicator catalog seed drives indicators, scoring directions and report labels.

The catalog (seeds/catalog/indicator_catalog.csv), the columns of marts.fct_firm_indicators and
the scoring specs must name the same indicators, and every department that sends a feed
(ingest/contracts.py) has indicators in the catalog. The built table is checked against the
catalog by dbt (tests/assert_indicator_catalog_matches_indicator_table.sql); here the model's
SQL is read, so a drift shows up without building anything.
"""

import re
from pathlib import Path

import polars as pl

from ingest.contracts import CONTRACTS
from scoring import DIMENSION_LABELS_ZH, DIMENSIONS, TRANSFORMS
from scoring.config import specs_from_catalog

DBT = Path(__file__).resolve().parents[2] / "dbt_project"
SEEDS = DBT / "seeds" / "catalog"
DOCS = DBT.parent / "docs"
INDICATOR_TABLE = DBT / "models" / "marts" / "core" / "fct_firm_indicators.sql"
KEYS = {"firm_id", "period_month", "industry_division", "industry_section", "size_class"}
CATEGORIES = {"基础信息", "经营信息", "财务信息", "创新信息", "信用信息"}
HAN = re.compile(r"[\u4e00-\u9fff]")


def catalog() -> pl.DataFrame:
    return pl.read_csv(SEEDS / "indicator_catalog.csv")


def red_flags() -> pl.DataFrame:
    return pl.read_csv(SEEDS / "red_flag_catalog.csv")


def indicator_table_columns() -> list[str]:
    """Return the output columns of fct_firm_indicators' `final` CTE, in order.

    Each output line of that select ends in `as <name>,` or is a bare `base.<name>,`.
    """
    sql = INDICATOR_TABLE.read_text(encoding="utf-8")
    final = sql[sql.index("final as (") :]
    select = final[: final.index("\n    from ")]
    columns = []
    for line in select.splitlines():
        line = line.strip().rstrip(",")
        if m := re.search(r"\bas (\w+)$", line):
            columns.append(m.group(1))
        elif m := re.fullmatch(r"base\.(\w+)", line):
            columns.append(m.group(1))
    return columns


def test_catalog_items_are_unique_and_come_from_the_departments_that_send_feeds():
    cat = catalog()
    assert cat["indicator_code"].n_unique() == cat.height
    feeds = {(c.department, c.department_zh) for c in CONTRACTS.values()}
    catalogued = set(cat.select("department", "department_zh").unique().iter_rows())
    assert catalogued == feeds, (
        f"departments with a feed and no indicator: {sorted(feeds - catalogued)}; "
        f"indicators of a department with no feed: {sorted(catalogued - feeds)}"
    )
    assert set(cat["category"]) == CATEGORIES
    assert set(cat["dimension"]) == set(DIMENSIONS)
    for row in cat.iter_rows(named=True):
        assert HAN.search(row["name_zh"]), row["indicator_code"]
        assert row["name_en"] and not HAN.search(row["name_en"]), row["indicator_code"]
        assert row["derivation"] and row["unit"], row["indicator_code"]


def test_indicator_table_columns_are_exactly_the_catalog_and_the_red_flags():
    columns = indicator_table_columns()
    assert len(columns) == len(set(columns)), "a column is named twice"
    flags = set(red_flags()["flag_code"])
    assert set(columns) == KEYS | set(catalog()["indicator_code"]) | flags


def test_scoring_specs_are_the_catalog():
    cat = catalog()
    specs = specs_from_catalog(cat)
    assert len(specs) == cat.height
    by_code = {s.code: s for s in specs}
    assert set(by_code) == set(indicator_table_columns()) - KEYS - set(red_flags()["flag_code"])
    for row in cat.iter_rows(named=True):
        spec = by_code[row["indicator_code"]]
        assert (spec.dimension, spec.direction, spec.transform, spec.label_zh) == (
            row["dimension"],
            row["direction"],
            row["transform"],
            row["name_zh"],
        )
    assert by_code["debt_to_assets"].direction == -1
    assert by_code["debt_to_assets"].dimension == "structure"
    assert by_code["debt_to_assets"].label_zh == "资产负债率"
    assert by_code["open_enforcement_cases"].transform == "absence"
    assert by_code["is_abnormal_listed"].transform == "absence"
    assert by_code["patents_per_100_staff"].direction == 1


def test_every_dimension_has_indicators_and_labels_are_chinese():
    cat = catalog()
    assert set(cat["dimension"]) == set(DIMENSIONS)
    assert set(cat["transform"]) <= set(TRANSFORMS)
    assert set(cat["direction"]) <= {1, -1}
    for row in cat.iter_rows(named=True):
        # The bank service's dimension names (scoring.DIMENSION_LABELS_ZH) are the seed's.
        assert row["dimension_zh"] == DIMENSION_LABELS_ZH[row["dimension"]], row["indicator_code"]
        assert row["action_department_zh"] and row["suggestion_zh"], row["indicator_code"]
        # 'absence' scores no adverse event as best, so only adverse counts may use it
        if row["transform"] == "absence":
            assert row["direction"] == -1, row["indicator_code"]


def test_red_flags_are_labelled_with_an_action():
    flags = red_flags()
    assert flags["flag_code"].n_unique() == flags.height
    for row in flags.iter_rows(named=True):
        assert HAN.search(row["label_zh"]) and row["label_en"], row["flag_code"]
        assert row["action_department_zh"] and row["suggestion_zh"], row["flag_code"]


def test_the_catalog_page_is_what_the_seed_gives():
    """docs/catalog.md is written from the seeds by make generate (keeping the coverage and AUC
    measured on a warehouse); an item added, renamed or re-dimensioned since shows here."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_catalog_doc", DOCS / "make_catalog_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (DOCS / "catalog.md").read_text(encoding="utf-8")
    assert page == module.page(), "docs/catalog.md is out of date: run make generate"
    figures, _ = module.figures_in(page)
    assert set(figures) == set(catalog()["indicator_code"])
