"""Source freshness of the department feeds, surfaced as one asset check per raw feed.

Each feed's latest business date (``loaded_at_field`` in models/staging/_sources.yml: the last
declaration period, filing date, listing date, ...) is compared with now, against the same
file's ``warn_after`` / ``error_after`` — what `dbt source freshness` computes, read from the
same YAML, but as one query per feed on the warehouse connection instead of a dbt process
(about 30 s of start-up and parsing per run saved; `dbt source freshness` still works by hand).
The YAML's rules are written from each feed contract's ``freshness`` by ``make generate``.
Warn-level staleness is a WARN check; error-level staleness, an empty feed or a query that fails
is an ERROR check. Freshness checks never block: a late department should not stop the others.
"""

import datetime as dt
from dataclasses import dataclass

import dagster as dg
import duckdb
import yaml

from ingest.contracts import CONTRACTS
from pipelines.resources import WarehouseResource
from pipelines.settings import DBT_PROJECT_DIR, WAREHOUSE_POOL, WAREHOUSE_TAGS

SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"
SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Freshness:
    """One raw table's freshness rule from the sources YAML."""

    schema: str
    table: str
    loaded_at_field: str
    warn_after_s: float | None
    error_after_s: float | None


def _seconds(rule: dict | None) -> float | None:
    if not rule or rule.get("count") is None:
        return None
    return float(rule["count"]) * SECONDS[rule["period"]]


def freshness_rules(sources_yml=SOURCES_YML) -> dict[str, Freshness]:
    """Return {raw table: its rule} for every table of the YAML with a freshness rule (a
    table's own ``loaded_at_field`` / ``freshness`` override its source's)."""
    doc = yaml.safe_load(sources_yml.read_text(encoding="utf-8"))
    rules = {}
    for source in doc.get("sources", []):
        for table in source.get("tables", []):
            field = table.get("loaded_at_field", source.get("loaded_at_field"))
            fresh = table.get("freshness", source.get("freshness"))
            if not field or not fresh:
                continue
            rules[table["name"]] = Freshness(
                source.get("schema", source["name"]),
                table["name"],
                field,
                _seconds(fresh.get("warn_after")),
                _seconds(fresh.get("error_after")),
            )
    return rules


def freshness_status(age_s: float, rule: Freshness) -> str:
    """Return dbt's status for a feed whose latest business date is ``age_s`` seconds old.

    >>> rule = Freshness("raw", "t", "d", warn_after_s=86400.0, error_after_s=2 * 86400.0)
    >>> [freshness_status(s, rule) for s in (3600, 1.5 * 86400, 3 * 86400)]
    ['pass', 'warn', 'error']
    """
    if rule.error_after_s is not None and age_s > rule.error_after_s:
        return "error"
    if rule.warn_after_s is not None and age_s > rule.warn_after_s:
        return "warn"
    return "pass"


def source_freshness(
    con: duckdb.DuckDBPyConnection, rules: dict[str, Freshness], now: dt.datetime
) -> dict[str, dict]:
    """Return {raw table: {status, max_loaded_at, age_days, error}} as of ``now`` (naive UTC)."""
    out = {}
    for table, rule in rules.items():
        try:
            (latest,) = con.execute(
                f"select max({rule.loaded_at_field}) from {rule.schema}.{table}"
            ).fetchall()[0]
        except duckdb.Error as e:
            out[table] = {"status": "runtime error", "max_loaded_at": None, "age_days": None,
                          "error": str(e).splitlines()[0]}  # fmt: skip
            continue
        if latest is None:
            out[table] = {"status": "error", "max_loaded_at": None, "age_days": None,
                          "error": "the feed has no rows"}  # fmt: skip
            continue
        age = (now - latest).total_seconds()
        out[table] = {
            "status": freshness_status(age, rule),
            "max_loaded_at": latest.isoformat(),
            "age_days": round(age / 86400, 1),
            "error": "",
        }
    return out


SPECS = [
    dg.AssetCheckSpec(
        name="dbt_source_freshness",
        asset=dg.AssetKey(["raw", feed_id]),
        description="Latest business date of the feed vs now (the freshness rules of dbt's "
        "sources YAML).",
    )
    for feed_id in CONTRACTS
]


@dg.multi_asset_check(
    specs=SPECS,
    name="raw_source_freshness",
    pool=WAREHOUSE_POOL,
    op_tags=WAREHOUSE_TAGS,
    description="Source freshness of every department feed, by the rules of dbt's sources YAML.",
)
def raw_source_freshness(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with warehouse.connect(read_only=True) as con:
        results = source_freshness(con, freshness_rules(), now)
    for spec in SPECS:
        table = spec.asset_key.path[-1]
        r = results.get(table)
        if r is None:
            yield dg.AssetCheckResult(
                asset_key=spec.asset_key,
                check_name=spec.name,
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"error": "no freshness rule for this feed in the sources YAML"},
            )
            continue
        yield dg.AssetCheckResult(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=r["status"] == "pass",
            severity=dg.AssetCheckSeverity.WARN
            if r["status"] in ("pass", "warn")
            else dg.AssetCheckSeverity.ERROR,
            metadata={
                "status": r["status"] or "",
                "latest_business_date": str(r["max_loaded_at"] or ""),
                "age_days": r["age_days"] if r["age_days"] is not None else -1,
                "error": r["error"],
            },
        )
