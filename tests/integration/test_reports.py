"""The firm report and the regional overview as a person sees them, in a real headless Chromium.

Built from the integration warehouse (the session's one pipeline run, 400 firms x 24 months,
90 counties), read from its published snapshot. Chromium is Debian's (`.ci/run` installs it):
without it these tests fail and say how to install it; they never skip.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pytest

from ingest.generate import department_records
from pipelines.settings import REPO_ROOT

pytestmark = pytest.mark.integration

DIMENSIONS_ZH = ["经营", "创新", "结构", "质效", "风险"]
BANK = ("bank_hz_test", "测试银行杭州分行")

# Every element whose own text sticks out of its box, or whose box sticks out of the page; every
# SVG label outside its SVG. Returns one description per offender.
OVERFLOW_JS = """() => {
  const out = [];
  const pageWidth = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const text = range.getBoundingClientRect();
    if (text.left < box.left - 1 || text.right > box.right + 1 || box.right > pageWidth + 1
        || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
      out.push(el.tagName + ': ' + el.textContent.trim().slice(0, 40));
  }
  for (const t of document.querySelectorAll('svg text')) {
    const svg = t.ownerSVGElement.getBoundingClientRect();
    const r = t.getBoundingClientRect();
    if (r.left < svg.left - 1 || r.right > svg.right + 1 || r.top < svg.top - 1
        || r.bottom > svg.bottom + 1)
      out.push('svg text: ' + t.textContent);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def chromium_page():
    from reports.pdf import ChromiumMissing, browser

    try:
        with browser() as b:
            page = b.new_page(viewport={"width": 1100, "height": 900})
            yield page
    except ChromiumMissing as e:
        pytest.fail(f"the report tests need a real browser: {e}")


# Every department's records with their dates, straight from the staging views (a check on
# marts.fct_firm_department_records, which the report reads; the models and date columns are
# the staging YAML's meta.record_date, ingest/generate.py).
STAGING_RECORDS = " union all ".join(
    f"select firm_id, '{dept}' as department, {col}::date as record_date from staging.{view}"
    for dept, view, col in department_records()
)


@pytest.fixture(scope="module")
def rendered(pipeline, tmp_path_factory):
    """The overview, and the report (HTML + PDF) of the firm whose score fell most, with one
    bank query about it in a bank-service store of its own."""
    from bank_api import audit
    from bank_api.db import now_utc
    from bank_api.store import Store
    from reports.data import latest_month
    from reports.overview import top_fallers
    from reports.render import write_firm_reports, write_overview

    published = pipeline.db_path.with_name("published") / "warehouse.duckdb"
    assert published.exists(), "the pipeline run publishes a snapshot"
    base = tmp_path_factory.mktemp("reports")
    with duckdb.connect(str(published), read_only=True) as con:
        month = latest_month(con)
        (firm_id,) = top_fallers(con, month, 1)
        firm = con.execute(
            """select f.firm_name, s.grade, s.overall_score from marts.dim_firm f
               join scoring.firm_health_scores s using (firm_id)
               where firm_id = ? and s.period_month = ?""",
            [firm_id, month],
        ).fetchall()[0]
    # What the departments hold about the firm by the month's end, read from the staging views
    # of the live warehouse, not from the mart the report reads.
    with duckdb.connect(str(pipeline.db_path), read_only=True) as con:
        end = con.execute("select last_day(?::date)", [month]).fetchall()[0][0]
        reported = {
            dept_zh
            for (dept_zh,) in con.execute(
                f"""select distinct c.department_zh from reference.indicator_catalog c
                    join ({STAGING_RECORDS}) r on r.department = c.department
                    where r.firm_id = ? and r.record_date <= ?""",
                [firm_id, end],
            ).fetchall()
        }
    store = Store(f"sqlite:///{base / 'bank.sqlite'}")
    store.create_all()
    with store.engine.begin() as conn:
        store.ensure_principal(conn, "bank", *BANK)
    audit.append(
        store.engine,
        [
            {
                "at": now_utc(),
                "request_id": "r1",
                "key_id": "k1",
                "principal_kind": "bank",
                "principal_id": BANK[0],
                "firm_id": firm_id,
                "purpose": "pre_loan",
                "endpoint": "firms.get",
                "http_status": 200,
                "outcome": "ok",
                "snapshot_id": "s1",
            }
        ],
    )
    store.engine.dispose()
    out = base / "out"
    bank_url = f"sqlite:///{base / 'bank.sqlite'}"
    report = write_firm_reports(published, out, [firm_id], month, bank_db_url=bank_url)
    overview, linked = write_overview(published, out, month, bank_db_url=bank_url)
    return {
        "firm_id": firm_id,
        "name": firm[0],
        "grade": firm[1],
        "score": firm[2],
        "report": report,
        "overview": overview,
        "linked": linked,
        "month": month,
        "reported": reported,
    }


def _open(page, path: Path) -> list[str]:
    """Load ``path``; return every URL the page requested (to prove nothing left the machine)."""
    requests: list[str] = []

    def record(request) -> None:
        requests.append(request.url)

    page.on("request", record)
    try:
        page.goto(path.as_uri(), wait_until="load")
    finally:
        page.remove_listener("request", record)
    return requests


def test_firm_report_shows_the_firm_its_grade_and_score(rendered, chromium_page):
    page = chromium_page
    requests = _open(page, rendered["report"].html[0])
    assert page.locator("h1.firm-name").inner_text() == rendered["name"]
    assert page.locator(".grade-badge").inner_text() == rendered["grade"]
    assert page.locator(".grade-badge").is_visible()
    assert page.locator(".value.overall").inner_text().startswith(f"{rendered['score']:.1f}")
    assert all(u.startswith("file://") for u in requests), requests


def test_radar_chart_has_five_axes_and_the_firm_shape(rendered, chromium_page):
    page = chromium_page
    _open(page, rendered["report"].html[0])
    radar = page.locator("svg.radar")
    assert radar.is_visible()
    box = radar.bounding_box()
    assert box["width"] > 200 and box["height"] > 200
    axes = radar.locator("text.radar-axis").all_text_contents()
    assert [a.split()[0] for a in axes] == DIMENSIONS_ZH
    assert radar.locator("path.firm-shape").count() == 1
    assert radar.locator("path.peer-median").count() == 1


def test_report_shows_coverage_reasons_trends_and_the_bank_query(rendered, chromium_page):
    page = chromium_page
    _open(page, rendered["report"].html[0])
    coverage = page.locator(".coverage-text").inner_text()
    n_total, n_reported = (int(x) for x in re.match(r"(\d+) 个部门中 (\d+) 个", coverage).groups())
    assert n_total == 12
    assert n_reported == page.locator(".dept.yes").count() > 0
    shown = {t.split()[0] for t in page.locator(".dept.yes").all_inner_texts()}
    assert shown == rendered["reported"]
    assert page.locator("svg.trend").count() == 4
    assert page.locator("#reasons tr.reason").count() >= 1
    queries = page.locator("table.queries").inner_text()
    assert BANK[1] in queries and "贷前审查" in queries


def test_no_text_overflows_its_box_in_the_report_or_the_overview(rendered, chromium_page):
    page = chromium_page
    for path in (rendered["report"].html[0], rendered["overview"]):
        _open(page, path)
        assert page.evaluate(OVERFLOW_JS) == [], path.name


def test_the_overflow_check_catches_a_box_too_small_for_its_text(chromium_page, tmp_path):
    page = chromium_page
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<div style="width:40px;white-space:nowrap">企业名称很长很长很长</div>'
        '<svg width="50" height="20"><text x="30" y="15">创新 21</text></svg>',
        encoding="utf-8",
    )
    _open(page, bad)
    assert len(page.evaluate(OVERFLOW_JS)) == 2


def _same_glyph() -> dict[str, str]:
    """Return {radical code point: the ideograph drawn by the same glyph} of the Noto CJK SC
    font. Chromium's PDF text maps a glyph to its lowest code point, so 青 (U+9752) reads back as
    the radical ⻘ (U+2ED8) although the page shows 青; this maps it back."""
    from fontTools.ttLib import TTCollection

    path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    font = next(f for f in TTCollection(path, lazy=True).fonts if "SC" in f["name"].getDebugName(1))
    by_glyph: dict[str, list[int]] = {}
    for cp, glyph in font.getBestCmap().items():
        by_glyph.setdefault(glyph, []).append(cp)
    same = {}
    for cps in by_glyph.values():
        ideographs = [c for c in cps if 0x4E00 <= c <= 0x9FFF]
        for c in cps:
            if 0x2E80 <= c <= 0x2FDF and ideographs:
                same[chr(c)] = chr(min(ideographs))
    return same


def test_pdf_text_holds_the_firm_grade_and_sections_in_a_chinese_font(rendered):
    from pypdf import PdfReader

    (pdf,) = rendered["report"].pdf
    reader = PdfReader(pdf)
    text = "".join(p.extract_text() for p in reader.pages)
    flat = re.sub(r"\s+", "", text).translate(str.maketrans(_same_glyph()))
    for expected in (rendered["name"], rendered["grade"], "专属企检报告", "五维体检", "数据覆盖"):
        assert expected in flat, expected
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get_object().get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            fonts.add(
                str(descriptor.get_object()["/FontName"] if descriptor else font["/BaseFont"])
            )
    assert any("NotoSansCJKsc" in f for f in fonts), fonts


def test_overview_map_has_every_county_of_the_region_in_the_configured_colours(
    rendered, chromium_page
):
    from reports.overview import OverviewConfig

    page = chromium_page
    requests = _open(page, rendered["overview"])
    with (REPO_ROOT / "dbt_project/seeds/reference/ref_counties.csv").open(encoding="utf-8") as f:
        counties = {r["county_code"] for r in csv.DictReader(f)}
    assert len(counties) == 90
    paths = page.locator("svg.county-map path.county")
    assert paths.count() == 90
    codes = set(paths.evaluate_all("els => els.map(e => e.dataset.county)"))
    assert codes == counties
    fills = set(paths.evaluate_all("els => els.map(e => e.getAttribute('fill'))"))
    assert fills <= set(OverviewConfig.load().colours.values())
    assert len(fills) >= 2  # the map says something: not one colour everywhere
    assert page.locator("svg.county-map").bounding_box()["width"] > 500
    assert all(u.startswith("file://") for u in requests), requests


def test_overview_drills_down_from_city_to_county_to_firm_report(rendered, chromium_page):
    page = chromium_page
    _open(page, rendered["overview"])
    page.locator("table.cities a").first.click()
    assert re.search(r"#city-33\d\d$", page.url)
    city = page.url.rsplit("-", 1)[1]
    row = page.locator(f"tr.county-row[id^='county-{city}']").filter(
        has=page.locator("a.firm-link")
    )
    assert row.count() >= 1
    county = row.first.get_attribute("id")
    # the county on the map: a click event on its link (a small county's centre can lie under
    # a neighbour's outline, where a pointer click would land on the neighbour)
    page.locator(f"svg.county-map a[href='#{county}']").dispatch_event("click")
    assert page.url.endswith(f"#{county}")
    link = page.locator(f"#{county} a.firm-link").first
    name = link.inner_text()
    link.click()
    page.wait_for_load_state("load")
    assert page.locator("h1.firm-name").inner_text() == name
