"""The Great Expectations Data Docs site people browse: built by the asset checks and by
`make quality`, one entry per suite."""

import pytest

from expectations.suites import ALL_SUITES

pytestmark = pytest.mark.integration


def suites_on_site(site) -> set[str]:
    """Suites with a validation page on the site (pages are validations/<suite>/<part>/...)."""
    return {
        p.relative_to(site / "validations").parts[0] for p in site.rglob("validations/**/*.html")
    }


def test_the_checks_build_a_site_listing_every_suite(pipeline):
    site = pipeline.output_dir / "quality" / "data_docs"
    html = (site / "index.html").read_text(encoding="utf-8")
    for suite in ALL_SUITES:
        assert suite.name in html, suite.name
    assert suites_on_site(site) == {s.name for s in ALL_SUITES}


def test_make_quality_builds_the_same_site(pipeline, tmp_path, capsys):
    from expectations.__main__ import report

    assert report(pipeline.db_path, None, tmp_path) is False  # nothing severe failed
    assert "Data Docs: file://" in capsys.readouterr().out
    html = (tmp_path / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert all(s.name in html for s in ALL_SUITES)
    # a second run keeps one validation per suite part, not a growing history
    report(pipeline.db_path, ["raw_tax_declaration"], tmp_path)
    tax_pages = list(
        (tmp_path / "data_docs" / "validations" / "raw_tax_declaration").rglob("*.html")
    )
    parts = next(s for s in ALL_SUITES if s.name == "raw_tax_declaration").parts
    assert len(tax_pages) == len(parts)
