-- The indicator catalog is the single source for indicators: every catalog code must be a
-- column of fct_firm_indicators, and every indicator column must be in the catalog.
{{ config(tags=['catalog']) }}

with catalog as (
    select indicator_code from {{ ref('indicator_catalog') }}
),

table_columns as (
    select column_name
    from information_schema.columns
    where table_schema = '{{ ref("fct_firm_indicators").schema }}'
        and table_name = '{{ ref("fct_firm_indicators").identifier }}'
        and column_name not in (
            'firm_id', 'period_month', 'industry_division', 'industry_section', 'size_class',
            'is_dishonest_debtor', 'is_revoked'
        )
),

missing_columns as (
    select indicator_code as problem from catalog
    where indicator_code not in (select column_name from table_columns)
),

uncatalogued_columns as (
    select column_name as problem from table_columns
    where column_name not in (select indicator_code from catalog)
)

select * from missing_columns
union all
select * from uncatalogued_columns
