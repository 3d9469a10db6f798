-- Which surviving account each CRM account id belongs to on each score date, so contacts,
-- activities and deals follow merges: records merged because they share a domain, and ids that
-- HubSpot merged into a record (HubSpot exports only the survivor and lists the absorbed ids).
with ranked as (
    select * from {{ ref('int_account_records_ranked') }}
),

survivors as (
    select
        score_date,
        entity_key,
        account_id as surviving_account_id
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
        on
            ranked.score_date = survivors.score_date
            and ranked.entity_key = survivors.entity_key
),

absorbed_ids as (
    select
        score_date,
        account_id as absorbing_crm_account_id,
        {{ split_to_rows('merged_record_ids', "';'") }} as absorbed_id
    from ranked
    where merged_record_ids is not null
),

absorbed_by_crm as (
    select
        absorbing.score_date,
        trim(absorbed_ids.absorbed_id) as crm_account_id,
        absorbing.account_id,
        absorbing.domain,
        true as is_merged_duplicate
    from absorbed_ids
    inner join mapped as absorbing
        on
            absorbed_ids.score_date = absorbing.score_date
            and absorbed_ids.absorbing_crm_account_id = absorbing.crm_account_id
    left join mapped as still_live
        on
            absorbed_ids.score_date = still_live.score_date
            and still_live.crm_account_id = trim(absorbed_ids.absorbed_id)
    where
        still_live.crm_account_id is null
        and trim(absorbed_ids.absorbed_id) <> ''
),

final as (
    select * from mapped
    union all
    select * from absorbed_by_crm
)

select * from final
