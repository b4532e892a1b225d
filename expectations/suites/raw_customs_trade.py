"""海关 进出口 (raw.customs_trade)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import between, columns, length, monthly_drift, not_null

TABLE = "raw.customs_trade"

SUITE = Suite(
    name="raw_customs_trade",
    table=TABLE,
    asset_key=("raw", "customs_trade"),
    description=(
        "Customs trade: customs code and firm key present, exports and imports non-"
        "negative; month-over-month row count. "
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns("customs_code", "uscc", "trade_month", "export_10k", "import_10k"),
                not_null("uscc"),
                length("uscc", 18),
                not_null("customs_code"),
                not_null("trade_month"),
                between("export_10k", 0, None, why="negative exports"),
                between("import_10k", 0, None, why="negative imports"),
            ),
        ),
        monthly_drift(TABLE, "trade_month", "export_10k"),
    ),
)
