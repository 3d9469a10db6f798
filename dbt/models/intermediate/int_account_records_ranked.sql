-- Every live CRM account record as of each score date, grouped into one entity per normalised
-- domain and ranked by recency (the survivorship order: most recent record first).
with snapshot as (
    {{ snapshot_as_of('stg_crm__accounts', 'crm_accounts') }}
),

live as (
    select *
    from snapshot
    where
        not is_deleted
        and merged_into_id is null
),

ranked as (
    select
        *,
        coalesce(domain, 'crm-id:' || account_id) as entity_key,
        row_number() over (
            partition by score_date, coalesce(domain, 'crm-id:' || account_id)
            order by coalesce(last_modified_date, last_activity_date, created_date) desc nulls last, account_id
        ) as recency_rank
    from live
)

select * from ranked
