"""Great Expectations suites (expectations/) as Dagster asset checks.

A suite with severe (error) expectations is a blocking check: when one fails, assets downstream
of the checked asset do not run in that run, so a bad feed cannot reach scores or extracts.
A suite that cannot run at all (GX or a query raises) is reported failed, never passed.

Every check also keeps its latest results and refreshes the Great Expectations Data Docs site,
$EH_OUTPUT_DIR/quality/data_docs/index.html (what `make quality` builds too).
"""

import dagster as dg

from expectations.runner import Suite, build_data_docs, run_suite
from expectations.suites import ALL_SUITES
from pipelines.resources import WarehouseResource
from pipelines.settings import WAREHOUSE_POOL, WAREHOUSE_TAGS, quality_dir


def _results_table(outcome) -> dg.TableMetadataValue:
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord(
                {
                    "part": r["part"],
                    "expectation": r["expectation"][:200],
                    "severity": r["severity"],
                    "success": r["success"],
                    "observed": r["observed"],
                    "catches": r["why"],
                }
            )
            for r in outcome.results
        ],
        schema=dg.TableSchema(
            columns=[
                dg.TableColumn("part", "string"),
                dg.TableColumn("expectation", "string"),
                dg.TableColumn("severity", "string"),
                dg.TableColumn("success", "bool"),
                dg.TableColumn("observed", "string"),
                dg.TableColumn("catches", "string"),
            ]
        ),
    )


def build_gx_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset_key)),
        name=f"gx_{suite.name}",
        description=f"Great Expectations suite {suite.name}: {suite.description}",
        blocking=suite.has_severe,
        pool=WAREHOUSE_POOL,
        op_tags=WAREHOUSE_TAGS,
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        with warehouse.connect(read_only=True) as con:
            outcome = run_suite(suite, con, log=context.log.warning, docs_root=quality_dir() / "gx")
        try:
            docs = str(
                build_data_docs(quality_dir() / "gx", quality_dir() / "data_docs", suite.name)
            )
        except Exception as exc:  # the docs are for browsing; the check's verdict stands
            docs = f"not built: {type(exc).__name__}: {exc}"
            context.log.warning(f"Data Docs {docs}")
        failed = outcome.failed
        for r in failed:
            context.log.warning(
                f"[{suite.name}] {r['severity']} failed: {r['expectation']} "
                f"({r['observed']}) — {r['why']}"
            )
        return dg.AssetCheckResult(
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR
            if outcome.severe_failed or outcome.error
            else dg.AssetCheckSeverity.WARN,
            metadata={
                "expectations": len(outcome.results),
                "failed": len(failed),
                "failed_severe": sum(r["severity"] == "error" for r in failed),
                "error": outcome.error or "",
                "results": _results_table(outcome),
                "data_docs": dg.MetadataValue.path(docs),
            },
        )

    return _check


gx_checks = [build_gx_check(s) for s in ALL_SUITES]
