-- Which surviving account each CRM account id belongs to on each score date (merged duplicates
-- point at their survivor), so contacts, activities and deals follow the merge.
with ranked as (
    select * from {{ ref('int_account_records_ranked') }}
),

survivors as (
    select score_date, entity_key, account_id as surviving_account_id
    from ranked
    where recency_rank = 1
),

mapped as (
    select
        ranked.score_date,
        ranked.account_id as crm_account_id,
        survivors.surviving_account_id as account_id,
        ranked.domain,
        ranked.recency_rank > 1 as is_merged_duplicate
    from ranked
    inner join survivors
        on ranked.score_date = survivors.score_date
        and ranked.entity_key = survivors.entity_key
)

select * from mapped
