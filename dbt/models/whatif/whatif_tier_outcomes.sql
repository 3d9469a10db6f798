-- How each rule set's tiers would have converted: every deal created within
-- discovery.outcome_horizon_days after an as-of date of the window counts once, for its account's
-- tier on the latest such date, with its outcome from the latest opportunity export (deals keep
-- closing after the window).
{%- set horizon_days = scoring('discovery.outcome_horizon_days') %}

with opportunity_exports as (
    select * from {{ ref('stg_crm__opportunities') }}
),

latest_export as (
    select max(export_date) as export_date from opportunity_exports
),

account_map as (
    select * from {{ ref('int_account_ids_mapped') }}
    where score_date = {{ as_of_end() }}
),

deals as (
    select
        opportunity_exports.opportunity_id,
        account_map.account_id,
        cast(opportunity_exports.created_date as date) as created_date,
        opportunity_exports.is_closed,
        opportunity_exports.is_won,
        opportunity_exports.amount
    from opportunity_exports
    inner join latest_export on opportunity_exports.export_date = latest_export.export_date
    inner join account_map on opportunity_exports.account_id = account_map.crm_account_id
    where
        cast(opportunity_exports.created_date as date) > {{ as_of_start() }}
        and cast(opportunity_exports.created_date as date) <= {{ dbt.dateadd('day', horizon_days, as_of_end()) }}
),

both_histories as (
    select
        'current' as rules,
        as_of_date,
        account_id,
        tier
    from {{ whatif_baseline() }}
    where {{ in_as_of_range('as_of_date') }}
    union all
    -- only the dates the stored history holds, so both rule sets are read on the same dates
    select
        'candidate' as rules,
        history.as_of_date,
        history.account_id,
        history.tier
    from {{ ref('account_tier_history') }} as history
    where
        history.as_of_date in (select distinct baseline.as_of_date from {{ whatif_baseline() }} as baseline)
        and {{ in_as_of_range('history.as_of_date') }}
),

-- The latest as-of date before each deal's creation, within the horizon.
attributed_dates as (
    select
        both_histories.rules,
        deals.opportunity_id,
        max(both_histories.as_of_date) as as_of_date
    from deals
    inner join both_histories
        on
            deals.account_id = both_histories.account_id
            and deals.created_date > both_histories.as_of_date
            and {{ dbt.dateadd('day', -horizon_days, 'deals.created_date') }} <= both_histories.as_of_date
    group by both_histories.rules, deals.opportunity_id
),

attributed as (
    select
        attributed_dates.rules,
        both_histories.tier,
        deals.is_closed,
        deals.is_won,
        deals.amount
    from attributed_dates
    inner join deals on attributed_dates.opportunity_id = deals.opportunity_id
    inner join both_histories
        on
            attributed_dates.rules = both_histories.rules
            and attributed_dates.as_of_date = both_histories.as_of_date
            and deals.account_id = both_histories.account_id
),

per_tier as (
    select
        rules,
        tier,
        count(*) as opportunities,
        sum(case when is_closed then 1 else 0 end) as closed_opportunities,
        sum(case when is_won then 1 else 0 end) as won_opportunities,
        coalesce(sum(amount), 0) as pipeline_amount
    from attributed
    group by rules, tier
),

overall as (
    select
        rules,
        sum(won_opportunities) as all_wins,
        case
            when sum(closed_opportunities) > 0 then cast(sum(won_opportunities) as double) / sum(closed_opportunities)
        end as overall_win_rate
    from per_tier
    group by rules
),

rated as (
    select
        per_tier.rules,
        per_tier.tier,
        per_tier.opportunities,
        per_tier.closed_opportunities,
        per_tier.won_opportunities,
        per_tier.pipeline_amount,
        overall.all_wins,
        overall.overall_win_rate,
        case
            when per_tier.closed_opportunities > 0
                then cast(per_tier.won_opportunities as double) / per_tier.closed_opportunities
        end as win_rate,
        case
            when per_tier.closed_opportunities > 0
                then {{ wilson_bound('per_tier.won_opportunities', 'per_tier.closed_opportunities', -1) }}
        end as win_rate_low,
        case
            when per_tier.closed_opportunities > 0
                then {{ wilson_bound('per_tier.won_opportunities', 'per_tier.closed_opportunities', 1) }}
        end as win_rate_high
    from per_tier
    inner join overall on per_tier.rules = overall.rules
)

select
    rules,
    tier,
    opportunities,
    closed_opportunities,
    won_opportunities,
    win_rate,
    win_rate_low,
    win_rate_high,
    case when all_wins > 0 then cast(won_opportunities as double) / all_wins end as share_of_wins,
    case when overall_win_rate > 0 then win_rate / overall_win_rate end as lift,
    case when overall_win_rate > 0 then win_rate_low / overall_win_rate end as lift_low,
    case when overall_win_rate > 0 then win_rate_high / overall_win_rate end as lift_high,
    pipeline_amount
from rated
