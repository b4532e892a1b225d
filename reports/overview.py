"""The regional overview (区域总览): the county map, grade migration, alerts by rule and agency,
the firms that fell most, and a drill-down from city to county to firm report.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import yaml

from pipelines.settings import REPO_ROOT
from reports.charts import map_svg
from reports.data import add_months
from scoring.config import GRADE_LABELS_ZH

HERE = Path(__file__).resolve().parent
OUTLINES = HERE / "geo" / "zhejiang_counties.json"
REF = REPO_ROOT / "dbt_project/seeds/reference"
GRADE_ORDER = ["healthy", "subhealthy", "unhealthy", "insufficient", "exited"]
GRADE_ZH = {**GRADE_LABELS_ZH, "insufficient": "数据不足", "exited": "已退出"}
LIVE_GRADES = ("healthy", "subhealthy", "unhealthy")


def config_path() -> Path:
    """The overview's configuration (EH_REPORTS_CONFIG, default reports/config/overview.yaml)."""
    return Path(os.environ.get("EH_REPORTS_CONFIG", HERE / "config" / "overview.yaml"))


@dataclass(frozen=True)
class OverviewConfig:
    amber: float
    red: float
    min_live_firms: int
    colours: dict[str, str]
    firms_per_county: int
    top_fallers: int

    @classmethod
    def load(cls, path: Path | None = None) -> OverviewConfig:
        raw = yaml.safe_load((path or config_path()).read_text(encoding="utf-8"))
        share = raw["unhealthy_share"]
        if not 0 <= share["amber"] < share["red"] <= 1:
            raise ValueError(f"unhealthy_share: need 0 <= amber < red <= 1, got {share}")
        return cls(
            amber=float(share["amber"]),
            red=float(share["red"]),
            min_live_firms=int(raw.get("min_live_firms", 1)),
            colours=dict(raw["colours"]),
            firms_per_county=int(raw.get("firms_per_county", 5)),
            top_fallers=int(raw.get("top_fallers", 10)),
        )

    def band(self, share: float | None, live: int) -> str:
        """Return 'green', 'amber', 'red' or 'none' for a county's unhealthy share.

        >>> OverviewConfig(0.1, 0.2, 5, {}, 5, 10).band(0.15, 40)
        'amber'
        """
        if share is None or live < self.min_live_firms:
            return "none"
        return "red" if share >= self.red else "amber" if share >= self.amber else "green"


@cache
def outlines() -> dict[str, list]:
    """The 90 county outlines of the province (packaged, see reports/geo/build_map.py)."""
    return json.loads(OUTLINES.read_text(encoding="utf-8"))["counties"]


def _scores(con: duckdb.DuckDBPyConnection, month: dt.date) -> pl.DataFrame:
    return con.sql(
        """select s.firm_id, s.grade_code, s.overall_score, s.firm_status,
                  p.grade_code as prev_grade_code, p.overall_score as prev_score,
                  f.firm_name, f.county_code, f.city_code
           from scoring.firm_health_scores s
           left join scoring.firm_health_scores p
             on p.firm_id = s.firm_id and p.period_month = ?
           left join marts.dim_firm f on f.firm_id = s.firm_id
           where s.period_month = ?""",
        params=[add_months(month, -1), month],
    ).pl()


def fallers(frame: pl.DataFrame, n: int) -> pl.DataFrame:
    """Return the ``n`` live firms whose overall score fell most since last month (ties by id)."""
    return (
        frame.filter(pl.col("grade_code").is_in(LIVE_GRADES) & pl.col("prev_score").is_not_null())
        .with_columns((pl.col("overall_score") - pl.col("prev_score")).alias("change"))
        .filter(pl.col("change") < 0)
        .sort(["change", "firm_id"])
        .head(n)
    )


def top_fallers(con: duckdb.DuckDBPyConnection, month: dt.date, n: int) -> list[str]:
    """Return the ids of the ``n`` live firms whose score fell most in ``month``."""
    return fallers(_scores(con, month), n)["firm_id"].to_list()


def _alerts(con: duckdb.DuckDBPyConnection, month: dt.date) -> tuple[list[str], list[dict]]:
    """Alerts in force this month (new, escalated, ongoing) by rule x agency."""
    rows = con.execute(
        """select coalesce(r.rule_name_zh, l.rule_code), coalesce(a.agency_name_zh, l.agency_code),
                  count(*)
           from delivery.alert_lifecycle l
           left join delivery.alert_rules r using (rule_code)
           left join delivery.alert_agencies a using (agency_code)
           where l.period_month = ? and l.state in ('new', 'escalated', 'ongoing')
           group by 1, 2""",
        [month],
    ).fetchall()
    agencies = sorted({a for _, a, _ in rows})
    by_rule: dict[str, dict[str, int]] = {}
    for rule, agency, n in rows:
        by_rule.setdefault(rule, {})[agency] = n
    table = [
        {"rule": rule, "cells": [cells.get(a, 0) for a in agencies], "total": sum(cells.values())}
        for rule, cells in sorted(by_rule.items(), key=lambda kv: -sum(kv[1].values()))
    ]
    return agencies, table


def _firm_row(r: dict, month: dt.date, linked: set[str]) -> dict:
    return {
        "firm_id": r["firm_id"],
        "name": r["firm_name"] or r["firm_id"],
        "grade": GRADE_ZH.get(r["grade_code"], r["grade_code"]),
        "prev_grade": GRADE_ZH.get(r["prev_grade_code"], r["prev_grade_code"] or "—"),
        "score": f"{r['overall_score']:.1f}",
        "change": f"{r['change']:+.1f}",
        "href": f"firms/{month:%Y%m}/{r['firm_id']}.html" if r["firm_id"] in linked else None,
    }


def overview_context(
    con: duckdb.DuckDBPyConnection, month: dt.date, config: OverviewConfig
) -> tuple[dict, list[str]]:
    """Return (the overview's template context, the firms it links to: their reports are due)."""
    frame = _scores(con, month)
    counties = pl.read_csv(REF / "ref_counties.csv", infer_schema=False)
    cities = dict(
        pl.read_csv(REF / "ref_cities.csv", infer_schema=False)
        .select("city_code", "city_name")
        .iter_rows()
    )
    live = frame.filter(pl.col("grade_code").is_in(LIVE_GRADES))
    per_county = {
        r["county_code"]: r
        for r in live.group_by("county_code")
        .agg(pl.len().alias("live"), (pl.col("grade_code") == "unhealthy").sum().alias("bad"))
        .iter_rows(named=True)
    }
    falling = fallers(frame, len(frame))
    county_fallers = falling.group_by("county_code", maintain_order=True).head(
        config.firms_per_county
    )
    top = falling.head(config.top_fallers)
    linked = set(county_fallers["firm_id"]) | set(top["firm_id"])

    fills, titles, links, county_rows = {}, {}, {}, {}
    for c in counties.iter_rows(named=True):
        code = c["county_code"]
        stats = per_county.get(code, {"live": 0, "bad": 0})
        share = stats["bad"] / stats["live"] if stats["live"] else None
        band = config.band(share, stats["live"])
        fills[code] = config.colours[band]
        share_txt = "—" if share is None else f"{share:.1%}"
        titles[code] = (
            f"{c['county_name']}：不健康 {stats['bad']} / 存续 {stats['live']}（{share_txt}）"
        )
        links[code] = f"#county-{code}"
        county_rows[code] = {
            "code": code,
            "name": c["county_name"],
            "city_code": c["city_code"],
            "live": stats["live"],
            "bad": stats["bad"],
            "share": share_txt,
            "band": band,
            "firms": [
                _firm_row(r, month, linked)
                for r in county_fallers.filter(pl.col("county_code") == code).iter_rows(named=True)
            ],
        }
    city_rows = []
    for city_code, city_name in cities.items():
        members = [r for r in county_rows.values() if r["city_code"] == city_code]
        n_live = sum(r["live"] for r in members)
        n_bad = sum(r["bad"] for r in members)
        city_rows.append(
            {
                "code": city_code,
                "name": city_name,
                "live": n_live,
                "bad": n_bad,
                "share": f"{n_bad / n_live:.1%}" if n_live else "—",
                "counties": members,
            }
        )

    prev = frame.filter(pl.col("prev_grade_code").is_not_null())
    counts = {
        (a, b): n for a, b, n in prev.group_by("prev_grade_code", "grade_code").len().iter_rows()
    }
    present = [g for g in GRADE_ORDER if any(g in k for k in counts)]
    migration = [
        {"from": GRADE_ZH[a], "cells": [counts.get((a, b), 0) for b in present]} for a in present
    ]
    agencies, alert_table = _alerts(con, month)
    grades = dict(frame.group_by("grade_code").len().iter_rows())
    n_live = len(live)
    n_bad = int(grades.get("unhealthy", 0))
    ctx = {
        "month": f"{month:%Y-%m}",
        "previous_month": f"{add_months(month, -1):%Y-%m}",
        "n_live": n_live,
        "n_bad": n_bad,
        "share": f"{n_bad / n_live:.1%}" if n_live else "—",
        "grades": [{"label": GRADE_ZH[g], "n": grades.get(g, 0)} for g in GRADE_ORDER],
        "map": map_svg(outlines(), fills, titles, links),
        "n_counties": len(counties),
        "legend": [
            (config.colours["green"], f"低于 {config.amber:.0%}"),
            (config.colours["amber"], f"{config.amber:.0%} ~ {config.red:.0%}"),
            (config.colours["red"], f"{config.red:.0%} 及以上"),
            (config.colours["none"], f"存续企业少于 {config.min_live_firms} 家"),
        ],
        "migration_grades": [GRADE_ZH[g] for g in present],
        "migration": migration,
        "agencies": agencies,
        "alerts": alert_table,
        "fallers": [_firm_row(r, month, linked) for r in top.iter_rows(named=True)],
        "cities": city_rows,
    }
    return ctx, sorted(linked)
