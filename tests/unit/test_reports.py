"""The report package's pure parts: chart geometry, map colour bands, list files, months."""

import datetime as dt
import re

import pytest

from reports.charts import map_svg, radar_svg, trend_svg
from reports.cli import read_firm_list
from reports.data import add_months, month_start
from reports.overview import OverviewConfig, outlines


def test_radar_has_one_labelled_axis_per_dimension_and_the_firm_shape():
    svg = radar_svg(["经营", "创新", "结构", "质效", "风险"], [80, 20, None, 60, 40], [50] * 5,
                    [40] * 5, [60] * 5)  # fmt: skip
    labels = re.findall(r'class="radar-axis"[^>]*>([^<]+)<', svg)
    assert labels == ["经营 80", "创新 20", "结构 —", "质效 60", "风险 40"]
    assert svg.count('class="firm-shape"') == 1
    assert svg.count('class="peer-band"') == 1


def test_radar_without_peer_quartiles_draws_no_band():
    svg = radar_svg(list("abcde"), [50] * 5, [None] * 5, [None] * 5, [None] * 5)
    assert "peer-band" not in svg and "peer-median" not in svg


def test_trend_leaves_a_gap_for_a_missing_month_and_labels_the_last_value():
    svg = trend_svg(["2026-01", "2026-02", "2026-03", "2026-04"], [1.0, 2.0, None, 4.0])
    assert svg.count("<polyline") == 1  # 2026-01..02; 2026-04 stands alone as a dot
    assert "2026-04：4" in svg


def test_trend_of_no_data_says_so():
    assert "无数据" in trend_svg(["2026-01"], [None])


def test_the_packaged_map_has_the_province_s_90_counties():
    shapes = outlines()
    assert len(shapes) == 90
    svg = map_svg(shapes, {}, {}, {})
    assert svg.count('class="county"') == 90


@pytest.mark.parametrize(
    ("share", "live", "band"),
    [(0.0, 50, "green"), (0.079, 50, "green"), (0.08, 50, "amber"), (0.15, 50, "red"),
     (0.5, 4, "none"), (None, 0, "none")],
)  # fmt: skip
def test_county_band_uses_the_configured_thresholds(share, live, band):
    config = OverviewConfig.load()
    assert (config.amber, config.red, config.min_live_firms) == (0.08, 0.15, 5)
    assert config.band(share, live) == band


def test_thresholds_out_of_order_are_refused(tmp_path):
    bad = tmp_path / "overview.yaml"
    bad.write_text("unhealthy_share: {amber: 0.3, red: 0.2}\ncolours: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="amber < red"):
        OverviewConfig.load(bad)


def test_firm_list_reads_a_csv_with_a_chinese_header_or_bare_codes(tmp_path):
    csv_file = tmp_path / "list.csv"
    csv_file.write_text("企业名称,统一社会信用代码\n甲,91330102690025255G\n乙,91330110563778262A\n",
                        encoding="utf-8-sig")  # fmt: skip
    assert read_firm_list(csv_file) == ["91330102690025255G", "91330110563778262A"]
    bare = tmp_path / "list.txt"
    bare.write_text("# the fallers\n91330102690025255G\n\n91330110563778262A\n", encoding="utf-8")
    assert read_firm_list(bare) == ["91330102690025255G", "91330110563778262A"]


def test_months():
    assert month_start("2026-09") == dt.date(2026, 9, 1)
    assert add_months(dt.date(2026, 1, 1), -23) == dt.date(2024, 2, 1)


def test_dbt_docs_command_line_is_the_static_one_file_site():
    from pathlib import Path

    from pipelines.data_pages import dbt_docs_args
    from pipelines.settings import DBT_PROJECT_DIR

    args = dbt_docs_args(Path("/t"))
    assert args[:3] == ["docs", "generate", "--static"]
    assert args[args.index("--project-dir") + 1] == str(DBT_PROJECT_DIR)
    assert args[args.index("--target-path") + 1] == "/t"


def test_data_pages_index_links_what_exists_and_says_what_is_missing():
    from pipelines.data_pages import index_page

    page = index_page(
        [("dbt 文档", "dbt/index.html", "offline"), ("数据质量", None, "运行 make quality")]
    )
    assert "<a href='dbt/index.html'>dbt 文档</a>" in page
    assert "<li>数据质量 — 运行 make quality</li>" in page
