-- Does tier 1 convert better than tier 2? Opportunities from the latest CRM snapshot, grouped by the
-- account's current tier: win rate, open pipeline and average won deal size.
with snapshots as (
    select * from {{ ref('stg_crm__opportunities') }}
    where export_date <= {{ as_of_end() }}
),

latest_export as (
    select max(export_date) as export_date from snapshots
),

opportunities as (
    select snapshots.*
    from snapshots
    inner join latest_export on snapshots.export_date = latest_export.export_date
),

account_map as (
    select * from {{ ref('int_account_ids_mapped') }}
    where score_date = {{ as_of_end() }}
),

tiers as (
    select
        account_id,
        tier
    from {{ ref('account_tiers') }}
),

joined as (
    select
        coalesce(tiers.tier, 'not_tiered') as tier,
        opportunities.*
    from opportunities
    left join account_map
        on opportunities.account_id = account_map.crm_account_id
    left join tiers
        on account_map.account_id = tiers.account_id
),

performance as (
    select
        tier,
        count(*) as opportunities,
        sum(case when is_closed then 1 else 0 end) as closed_opportunities,
        sum(case when is_won then 1 else 0 end) as won_opportunities,
        case
            when sum(case when is_closed then 1 else 0 end) > 0
                then cast(sum(case when is_won then 1 else 0 end) as double) / sum(case when is_closed then 1 else 0 end)
        end as win_rate,
        sum(case when not is_closed then amount else 0 end) as open_pipeline_amount,
        sum(case when is_won then amount else 0 end) as won_amount,
        avg(case when is_won then amount end) as avg_won_deal_size
    from joined
    group by tier
)

select * from performance
