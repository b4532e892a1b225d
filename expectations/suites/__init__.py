"""One module per guarded table; ``ALL_SUITES`` lists them for the Dagster asset checks."""

from expectations.suites import (
    fct_firm_indicators,
    firm_health_scores,
    raw_amr_annual_report,
    raw_amr_registry,
    raw_court_enforcement,
    raw_credit_dishonest,
    raw_stats_industry_monthly,
    raw_tax_declaration,
    rpt_monthly_alert_list,
)

ALL_SUITES = [
    m.SUITE
    for m in (
        raw_amr_registry,
        raw_amr_annual_report,
        raw_tax_declaration,
        raw_stats_industry_monthly,
        raw_court_enforcement,
        raw_credit_dishonest,
        fct_firm_indicators,
        firm_health_scores,
        rpt_monthly_alert_list,
    )
]
