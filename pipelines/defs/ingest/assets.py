"""One asset per department feed: read landing files against their contract into raw.<feed>."""

import dagster as dg

from ingest.contracts import CONTRACTS, FEEDBACK_CONTRACTS, FeedContract
from ingest.load import FeedError, FeedResult, ingest_feed
from pipelines.resources import WarehouseResource
from pipelines.settings import WAREHOUSE_POOL, landing_root


def _files_table(result: FeedResult) -> dg.TableMetadataValue:
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord(
                {
                    "file": f.file,
                    "status": f.status,
                    "received": f.received,
                    "accepted": f.accepted,
                    "quarantined": f.quarantined,
                    "message": f.message,
                }
            )
            for f in result.files
            if f.status != "unchanged"
        ],
        schema=dg.TableSchema(
            columns=[
                dg.TableColumn("file", "string"),
                dg.TableColumn("status", "string"),
                dg.TableColumn("received", "int"),
                dg.TableColumn("accepted", "int"),
                dg.TableColumn("quarantined", "int"),
                dg.TableColumn("message", "string"),
            ]
        ),
    )


def build_ingest_asset(contract: FeedContract) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", contract.feed_id],
        group_name="ingest",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "polars"},
        description=(
            f"{contract.department_zh} {contract.title_zh} ({contract.feed_id}): "
            f"{contract.description} Landing files matching {contract.file_pattern!r} "
            f"under landing/{contract.department}/."
        ),
        tags={"department": contract.department},
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        root = landing_root()
        with warehouse.connect() as con:
            try:
                result = ingest_feed(con, contract, root, log=context.log.info)
            except FeedError as exc:
                context.log.error(str(exc))
                raise dg.Failure(
                    description=str(exc),
                    metadata={"files": _files_table(exc.result), **exc.result.totals()},
                ) from None
            total_rows = con.execute(f"select count(*) from raw.{contract.feed_id}").fetchone()[0]
            quarantine_rows = con.execute(
                "select count(*) from raw.quarantine where feed_id = ?", [contract.feed_id]
            ).fetchone()[0]
        return dg.MaterializeResult(
            metadata={
                **result.totals(),
                "files": _files_table(result),
                "table_rows": total_rows,
                "quarantine_rows_total": quarantine_rows,
                "landing_root": str(root),
            }
        )

    return _ingest


ingest_assets = [build_ingest_asset(c) for c in CONTRACTS.values()]
# Agencies' feedback on the alerts: the same contract, quarantine and idempotence as the feeds.
feedback_ingest_assets = [build_ingest_asset(c) for c in FEEDBACK_CONTRACTS.values()]
