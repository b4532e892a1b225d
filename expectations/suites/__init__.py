"""One module per guarded table; ``ALL_SUITES`` lists them for the Dagster asset checks."""

from expectations.suites import (
    fct_firm_indicators,
    firm_health_scores,
    raw_amr_abnormal,
    raw_amr_annual_report,
    raw_amr_penalty,
    raw_amr_registry,
    raw_court_enforcement,
    raw_credit_dishonest,
    raw_credit_loans,
    raw_customs_trade,
    raw_env_penalty,
    raw_hrss_insured,
    raw_hrss_wage_dispute,
    raw_ip_rights,
    raw_power_usage,
    raw_sci_certification,
    raw_stats_industry_monthly,
    raw_subsidy_payment,
    raw_tax_credit_grade,
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
        raw_amr_penalty,
        raw_amr_abnormal,
        raw_tax_credit_grade,
        raw_hrss_insured,
        raw_hrss_wage_dispute,
        raw_power_usage,
        raw_customs_trade,
        raw_credit_loans,
        raw_ip_rights,
        raw_sci_certification,
        raw_subsidy_payment,
        raw_env_penalty,
        fct_firm_indicators,
        firm_health_scores,
        rpt_monthly_alert_list,
    )
]
