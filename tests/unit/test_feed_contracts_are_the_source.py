"""The feed contract (ingest/contracts.py) is the one source for a feed: every other place that
names feeds is checked against it, so a forgotten place fails here, loudly, naming what is
missing (docs/new_department.md is the checklist these tests keep true)."""

import re
from pathlib import Path

import yaml

from ingest.contracts import CONTRACTS, FEEDBACK_CONTRACTS

REPO = Path(__file__).resolve().parents[2]
SYSTEM_TABLES = {"quarantine", "ingest_files"}


def _raw_sources() -> dict[str, dict]:
    doc = yaml.safe_load((REPO / "dbt_project/models/staging/_sources.yml").read_text())
    (raw,) = [s for s in doc["sources"] if s["name"] == "raw"]
    return {t["name"]: t for t in raw["tables"]}


def test_dbt_sources_are_exactly_the_contracts():
    """_sources.yml is generated (ingest/generate.py); this checks what the generator wrote."""
    sources = _raw_sources()
    feeds = set(CONTRACTS) | set(FEEDBACK_CONTRACTS)
    assert set(sources) - SYSTEM_TABLES == feeds, (
        f"in contracts, not in _sources.yml: {sorted(feeds - set(sources))}; "
        f"in _sources.yml, not in contracts: {sorted(set(sources) - SYSTEM_TABLES - feeds)}"
    )
    for feed, contract in CONTRACTS.items():
        table = sources[feed]
        assert "freshness" in table and "loaded_at_field" in table, f"{feed}: no freshness"
        assert contract.department_zh in table["description"], f"{feed}: description"
        # the freshness date column is one the contract declares
        used = set(re.findall(r"[a-z_]+", table["loaded_at_field"]))
        assert used & {c.name for c in contract.columns}, f"{feed}: {table['loaded_at_field']}"


def test_every_feed_has_a_staging_model():
    staged = set()
    for sql in (REPO / "dbt_project/models/staging").rglob("*.sql"):
        staged |= set(re.findall(r"source\('raw',\s*'([a-z_]+)'\)", sql.read_text()))
    missing = (set(CONTRACTS) | set(FEEDBACK_CONTRACTS)) - staged
    assert not missing, f"no staging model reads raw.{sorted(missing)}"


def test_the_simulator_writes_every_feed():
    from simulator.engine import FEEDS

    assert set(FEEDS) == set(CONTRACTS), (
        f"contracts the simulator does not write: {sorted(set(CONTRACTS) - set(FEEDS))}; "
        f"feeds it writes without a contract: {sorted(set(FEEDS) - set(CONTRACTS))}"
    )


def test_every_feed_is_described_for_people():
    doc = (REPO / "docs/feeds.md").read_text()
    for feed, contract in CONTRACTS.items():
        assert f"### {feed}" in doc, f"docs/feeds.md has no section for {feed}"
        section = doc.split(f"### {feed}", 1)[1].split("\n### ", 1)[0]
        missing = [h for h in contract.headers if h not in section]
        assert not missing, f"docs/feeds.md {feed}: headers not listed {missing}"


def test_the_new_department_checklist_names_every_place_these_tests_check():
    checklist = (REPO / "docs/new_department.md").read_text()
    for place in (
        "ingest/contracts.py",
        "dbt_project/models/staging/_sources.yml",
        "simulator/departments/",
        "docs/feeds.md",
        "seeds/catalog/indicator_catalog.csv",
        "expectations/suites/",
        "tests/snapshots/asset_graph.json",
        "make generate",
    ):
        assert place in checklist, f"docs/new_department.md does not mention {place}"


def test_the_departments_page_lists_every_department_with_its_feeds():
    rows = {}
    for line in (REPO / "docs/departments.md").read_text().splitlines():
        if m := re.match(r"\| \d+ \| .*\(`([a-z]+)`\) \| [^|]+ \| (.+) \|$", line):
            rows[m.group(1)] = set(re.findall(r"`([a-z_]+)`", m.group(2)))
    departments: dict[str, set[str]] = {}
    for feed, contract in CONTRACTS.items():
        departments.setdefault(contract.department, set()).add(feed)
    assert rows == departments, f"docs/departments.md lists {rows}; the contracts say {departments}"


def test_the_files_generated_from_the_contracts_are_up_to_date():
    """_sources.yml, the department macros, the unit test's inputs and the docs' tables are
    written from the contracts by ``make generate``; an edit since then shows here."""
    from ingest.generate import stale

    out_of_date = [str(p.relative_to(REPO)) for p in stale()]
    assert not out_of_date, f"out of date: {out_of_date}: run make generate"


def test_every_feed_dates_its_records_for_the_data_coverage():
    """Every feed's staging model names the column that dates its records (meta.record_date
    in its folder's YAML), so the firm report's data coverage (数据覆盖) counts it."""
    from ingest.generate import staging_models

    staged = staging_models()
    undated = [f"{staged[f][0]} ({f})" for f in CONTRACTS if f in staged and not staged[f][1]]
    assert not undated, f"no meta.record_date in the staging YAML of {undated}"


def test_every_feed_declares_what_was_known_at_a_month_end():
    """The no-look-ahead test (tests/integration/test_no_look_ahead.py) rewrites each raw table
    by its contract's point-in-time rule; a feed without one would be compared unrewritten."""
    undeclared = [feed for feed, contract in CONTRACTS.items() if contract.as_of is None]
    assert not undeclared, f"no as_of rule in ingest/contracts.py for {undeclared}"
