-- One account per domain and score date. Survivorship: the most recent CRM record gives the id,
-- and each field comes from the most recent record that has it filled.
with ranked as (
    select * from {{ ref('int_account_records_ranked') }}
),

merged as (
    select
        score_date,
        entity_key,
        max(case when recency_rank = 1 then account_id end) as account_id,
        max(domain) as domain,
        {{ first_filled('account_name', 'recency_rank') }} as account_name,
        {{ first_filled('industry', 'recency_rank') }} as industry,
        {{ first_filled('employees', 'recency_rank') }} as employees,
        {{ first_filled('annual_revenue', 'recency_rank') }} as annual_revenue,
        {{ first_filled('country_code', 'recency_rank') }} as country_code,
        {{ first_filled('account_type', 'recency_rank') }} as account_type,
        {{ first_filled('owner_id', 'recency_rank') }} as owner_id,
        {{ first_filled('parent_id', 'recency_rank') }} as crm_parent_id,
        count(*) as crm_record_count
    from ranked
    group by score_date, entity_key
)

select * from merged
