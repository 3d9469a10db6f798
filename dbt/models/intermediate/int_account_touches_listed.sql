-- The account team's own touches: outbound activities that were done (not open tasks), once each,
-- matched to the surviving account by CRM account id, else by domain, as the run's latest date maps
-- them. known_date is the first export that carried the touch.
with touches as (
    select * from {{ ref('stg_crm__activities') }}
    where direction = 'outbound' and not is_open
),

mapped as (
    select * from {{ ref('int_account_ids_mapped') }}
    where score_date = {{ as_of_end() }}
),

domain_map as (
    select
        domain,
        min(account_id) as account_id
    from mapped
    where domain is not null
    group by domain
),

matched as (
    select
        coalesce(by_id.account_id, by_domain.account_id) as account_id,
        touches.activity_id,
        touches.activity_date,
        touches.export_date
    from touches
    left join mapped as by_id
        on touches.account_id = by_id.crm_account_id
    left join domain_map as by_domain
        on touches.domain = by_domain.domain
),

final as (
    select
        account_id,
        activity_id,
        min(activity_date) as activity_date,
        min(export_date) as known_date
    from matched
    where account_id is not null
    group by account_id, activity_id
)

select * from final
