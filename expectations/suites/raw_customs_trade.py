"""海关 进出口 (raw.customs_trade)."""

from expectations.runner import Suite
from expectations.suites._common import monthly_drift

TABLE = "raw.customs_trade"

SUITE = Suite(
    name="raw_customs_trade",
    table=TABLE,
    asset_key=("raw", "customs_trade"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): rows "
        "per month changed by more than 20%: a partial or doubled delivery; the median moved more"
        " than 2x month over month: a unit change or a distribution shift."
    ),
    parts=(monthly_drift(TABLE, "trade_month", "export_10k"),),
)
