"""金融办 信贷 (raw.credit_loans)."""

from expectations.runner import Suite
from expectations.suites._common import monthly_drift

TABLE = "raw.credit_loans"

SUITE = Suite(
    name="raw_credit_loans",
    table=TABLE,
    asset_key=("raw", "credit_loans"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): rows "
        "per month changed by more than 20%: a partial or doubled delivery; the median moved more"
        " than 2x month over month: a unit change or a distribution shift."
    ),
    parts=(monthly_drift(TABLE, "stat_date", "loans_outstanding_10k"),),
)
