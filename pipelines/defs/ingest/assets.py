"""One asset per department feed: read landing files against their contract into raw.<feed>;
and one asset that accounts for every other file under the landing zone."""

import dagster as dg

from ingest.contracts import CONTRACTS, FEEDBACK_CONTRACTS, FeedContract
from ingest.landing import survey
from ingest.load import FeedError, FeedResult, ingest_feed, log_unrecognised
from pipelines.resources import WarehouseResource
from pipelines.settings import WAREHOUSE_POOL, WAREHOUSE_TAGS, hold_below, landing_root


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
            if f.logged
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
        op_tags=WAREHOUSE_TAGS,
        kinds={"duckdb", "polars"},
        description=(
            f"{contract.department_zh} {contract.title_zh} ({contract.feed_id}): "
            f"{contract.description} Landing files matching {contract.file_pattern!r} "
            f"under landing/{contract.department}/."
        ),
        tags={"department": contract.department},
        check_specs=[
            dg.AssetCheckSpec(
                "no_delivery_held",
                asset=["raw", contract.feed_id],
                description="No re-delivery of this feed waits for review (a delivery that "
                "empties or sharply shrinks a period is held, not applied).",
            )
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        root = landing_root()
        with warehouse.connect() as con:
            try:
                result = ingest_feed(
                    con, contract, root, log=context.log.info, hold_below=hold_below()
                )
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
        for f in result.held:
            context.log.warning(f"[{contract.feed_id}] HELD {f.file}: {f.message}")
        held = sorted({f.file for f in result.held})
        return dg.MaterializeResult(
            metadata={
                **result.totals(),
                "files": _files_table(result),
                "table_rows": total_rows,
                "quarantine_rows_total": quarantine_rows,
                "landing_root": str(root),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name="no_delivery_held",
                    passed=not held,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={
                        "held": len(held),
                        "files": ", ".join(held) or "none",
                        "release": "python -m ingest release <file> --by NAME --reason TEXT",
                    },
                )
            ],
        )

    return _ingest


@dg.asset(
    key=["raw", "landing_inventory"],
    group_name="ingest",
    pool=WAREHOUSE_POOL,
    op_tags=WAREHOUSE_TAGS,
    kinds={"duckdb"},
    description="Every file under the landing zone that no feed reads (a name or folder that "
    "matches no contract, a file outside a delivery folder, an unknown department folder), "
    "listed in raw.ingest_log with status 'unrecognised' and why, so nothing delivered is "
    "silently ignored.",
    check_specs=[
        dg.AssetCheckSpec(
            "every_landing_file_recognised",
            asset=["raw", "landing_inventory"],
            description="Every file under landing/ belongs to a feed.",
        )
    ],
)
def landing_inventory(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    root = landing_root()
    contracts = [*CONTRACTS.values(), *FEEDBACK_CONTRACTS.values()]
    items = survey(root, contracts)
    with warehouse.connect() as con:
        new = log_unrecognised(con, items, root)
    for u in items:
        context.log.warning(f"UNRECOGNISED {u.rel} ({u.size:,} bytes): {u.reason}")
    table = dg.MetadataValue.table(
        records=[dg.TableRecord({"file": u.rel, "bytes": u.size, "why": u.reason}) for u in items],
        schema=dg.TableSchema(
            columns=[
                dg.TableColumn("file", "string"),
                dg.TableColumn("bytes", "int"),
                dg.TableColumn("why", "string"),
            ]
        ),
    )
    return dg.MaterializeResult(
        metadata={"unrecognised": len(items), "newly_logged": new, "files": table},
        check_results=[
            dg.AssetCheckResult(
                check_name="every_landing_file_recognised",
                passed=not items,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"unrecognised": len(items)},
            )
        ],
    )


ingest_assets = [build_ingest_asset(c) for c in CONTRACTS.values()]
# Agencies' feedback on the alerts: the same contract, quarantine and idempotence as the feeds.
feedback_ingest_assets = [build_ingest_asset(c) for c in FEEDBACK_CONTRACTS.values()]
