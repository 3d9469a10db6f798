-- The accounts the candidate rules would put in another tier on the window's last date, with the
-- reason each rule set gives.
with current_tiers as (
    select * from {{ whatif_baseline() }}
    where as_of_date = {{ as_of_end() }}
),

candidate_tiers as (
    select * from {{ ref('account_tier_history') }}
    where as_of_date = {{ as_of_end() }}
),

changed as (
    select
        {{ as_of_end() }} as as_of_date,
        coalesce(candidate_tiers.account_id, current_tiers.account_id) as account_id,
        coalesce(candidate_tiers.account_name, current_tiers.account_name) as account_name,
        coalesce(current_tiers.tier, 'not_tiered') as current_tier,
        coalesce(candidate_tiers.tier, 'not_tiered') as candidate_tier,
        current_tiers.total_score as current_total_score,
        candidate_tiers.total_score as candidate_total_score,
        current_tiers.tier_reason as current_reason,
        candidate_tiers.tier_reason as candidate_reason
    from current_tiers
    full outer join candidate_tiers on current_tiers.account_id = candidate_tiers.account_id
    where coalesce(current_tiers.tier, 'not_tiered') != coalesce(candidate_tiers.tier, 'not_tiered')
)

select * from changed
