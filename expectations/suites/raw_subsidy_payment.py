"""财政·经信 财政补助 (raw.subsidy_payment)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import between, columns, length, not_null

TABLE = "raw.subsidy_payment"

SUITE = Suite(
    name="raw_subsidy_payment",
    table=TABLE,
    asset_key=("raw", "subsidy_payment"),
    description=(
        "Subsidy payments: payment number, programme and firm key present, amounts "
        "positive and plausible. "
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns(
                    "payment_no",
                    "uscc",
                    "programme",
                    "issuing_department",
                    "amount_10k",
                    "paid_date",
                ),
                not_null("uscc"),
                length("uscc", 18),
                not_null("payment_no"),
                not_null("programme"),
                not_null("paid_date"),
                between(
                    "amount_10k",
                    0,
                    1e6,
                    why="a negative subsidy or above 10bn CNY: a unit or sign error",
                ),
            ),
        ),
    ),
)
