-- The indicator catalog is the single source for indicators: every catalog code is a column of
-- fct_firm_indicators and every column there is a key, a peer key, a red flag of
-- red_flag_catalog or a catalog indicator. The catalog itself has the agreed shape: unique codes
-- in 5 categories and 5 dimensions, each with a Chinese and an English name (its departments
-- are those that send feeds: tests/unit/test_catalog.py). Each row returned is one problem.
{{ config(tags=['catalog']) }}
-- depends_on: {{ ref('fct_firm_indicators') }}

with catalog as (
    select * from {{ ref('indicator_catalog') }}
),

red_flags as (
    select flag_code from {{ ref('red_flag_catalog') }}
),

-- the table's columns as the warehouse's catalog lists them (every engine's dbt adapter reads
-- its own catalog; no information_schema query, which Spark has not)
all_columns as (
    {%- for column in catalog_column_names('fct_firm_indicators') %}
    select '{{ column }}' as column_name{{ ' union all' if not loop.last }}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as column_name
    {%- endfor %}
),

table_columns as (
    select column_name
    from all_columns
    where column_name not in (
        'firm_id', 'period_month', 'industry_division', 'industry_section', 'size_class'
    )
),

missing_columns as (
    select 'catalog item not in fct_firm_indicators: ' || indicator_code as problem from catalog
    where indicator_code not in (select column_name from table_columns)
),

missing_flags as (
    select 'red flag not in fct_firm_indicators: ' || flag_code as problem from red_flags
    where flag_code not in (select column_name from table_columns)
),

uncatalogued_columns as (
    select 'column in neither catalog: ' || column_name as problem from table_columns
    where column_name not in (select indicator_code from catalog)
        and column_name not in (select flag_code from red_flags)
),

shape as (
    select
        count(*) as items,
        count(distinct indicator_code) as codes,
        count(distinct category) as categories,
        count(distinct dimension) as dimensions,
        count(*) filter (where coalesce(trim(name_zh), '') = '' or coalesce(trim(name_en), '') = '') as unnamed,
        count(*) filter (where category not in ('基础信息', '经营信息', '财务信息', '创新信息', '信用信息'))
            as unknown_categories,
        count(*) filter (where dimension not in ('operations', 'innovation', 'structure', 'efficiency', 'risk'))
            as unknown_dimensions,
        count(*) filter (where direction not in (1, -1)) as bad_directions,
        count(*) filter (where transform not in ('peer_percentile', 'absence')
            or (transform = 'absence' and direction <> -1)) as bad_transforms
    from catalog
),

shape_problems as (
    select 'catalog codes are not unique' as problem from shape where codes <> items
    union all
    select 'catalog has ' || categories || ' categories, expected 5' from shape where categories <> 5
    union all
    select 'catalog has ' || dimensions || ' dimensions, expected 5' from shape where dimensions <> 5
    union all
    select unnamed || ' items lack a Chinese or English name' from shape where unnamed > 0
    union all
    select unknown_categories || ' items have an unknown category' from shape where unknown_categories > 0
    union all
    select unknown_dimensions || ' items have an unknown dimension' from shape where unknown_dimensions > 0
    union all
    select bad_directions || ' items have a direction other than 1 / -1' from shape where bad_directions > 0
    union all
    select bad_transforms || ' items have an unknown transform or an absence item not -1'
    from shape where bad_transforms > 0
)

select * from missing_columns
union all
select * from missing_flags
union all
select * from uncatalogued_columns
union all
select * from shape_problems
