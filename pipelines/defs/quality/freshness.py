"""dbt source freshness of the department feeds, surfaced as one asset check per raw feed.

`dbt source freshness` compares each feed's latest business date (`loaded_at_field` in
models/staging/_sources.yml: the last declaration period, filing date, listing date, ...) with
now. Warn-level staleness is a WARN check; error-level staleness or a freshness query that fails
is an ERROR check. Freshness checks never block: a late department should not stop the others.
"""

import json
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from ingest.contracts import CONTRACTS
from pipelines.settings import WAREHOUSE_POOL


def freshness_results(sources_json: dict) -> dict[str, dict]:
    """Return {raw table name: {status, max_loaded_at, age_days, error}} from dbt's sources.json."""
    out = {}
    for r in sources_json.get("results", []):
        table = r["unique_id"].rsplit(".", 1)[-1]
        age = r.get("age")
        out[table] = {
            "status": r.get("status"),
            "max_loaded_at": r.get("max_loaded_at"),
            "age_days": round(age / 86400, 1) if isinstance(age, int | float) else None,
            "error": r.get("error") or "",
        }
    return out


SPECS = [
    dg.AssetCheckSpec(
        name="dbt_source_freshness",
        asset=dg.AssetKey(["raw", feed_id]),
        description="Latest business date of the feed vs now (dbt source freshness).",
    )
    for feed_id in CONTRACTS
]


@dg.multi_asset_check(
    specs=SPECS,
    name="raw_source_freshness",
    pool=WAREHOUSE_POOL,
    description="Runs `dbt source freshness` once for every department feed.",
)
def raw_source_freshness(context: dg.AssetCheckExecutionContext, dbt: DbtCliResource):
    invocation = dbt.cli(["source", "freshness"], raise_on_error=False)
    invocation.wait()
    path = Path(invocation.target_path) / "sources.json"
    results = freshness_results(json.loads(path.read_text())) if path.exists() else {}
    for spec in SPECS:
        table = spec.asset_key.path[-1]
        r = results.get(table)
        if r is None:
            yield dg.AssetCheckResult(
                asset_key=spec.asset_key,
                check_name=spec.name,
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"error": "dbt source freshness produced no result for this feed"},
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
