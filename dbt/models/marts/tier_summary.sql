-- Accounts per tier per as-of date, with average scores and tier 1 reachability.
with history as (
    select * from {{ ref('account_tier_history') }}
),

summary as (
    select
        as_of_date,
        tier,
        count(*) as accounts,
        avg(total_score) as avg_total_score,
        avg(fit_score) as avg_fit_score,
        avg(intent_score) as avg_intent_score,
        avg(engagement_score) as avg_engagement_score,
        sum(case when is_reachable then 1 else 0 end) as reachable_accounts,
        avg(case when is_reachable then 1.0 else 0.0 end) as reachable_share
    from history
    group by as_of_date, tier
)

select * from summary
