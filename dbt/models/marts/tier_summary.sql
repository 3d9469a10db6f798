-- Accounts per tier per as-of date, with average scores and tier 1 reachability. Averages are
-- rounded: the last bits of a parallel average of doubles vary from run to run.
with history as (
    select * from {{ ref('account_tier_history') }}
),

summary as (
    select
        as_of_date,
        tier,
        count(*) as accounts,
        round(avg(total_score), 4) as avg_total_score,
        round(avg(fit_score), 4) as avg_fit_score,
        round(avg(intent_score), 4) as avg_intent_score,
        round(avg(engagement_score), 4) as avg_engagement_score,
        sum(case when is_reachable then 1 else 0 end) as reachable_accounts,
        avg(case when is_reachable then cast(1 as double) else 0 end) as reachable_share
    from history
    group by as_of_date, tier
)

select * from summary
