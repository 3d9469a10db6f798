-- Hysteresis over the score series: an account moves up as soon as a day's scores qualify, and
-- moves down only after `demotion_days` consecutive days below the lowered (retained) thresholds.
-- A tier is held only while it was earned within `lookback_days`, so every day's result is a pure
-- function of the series before it: the same whatever order dates are run or backfilled in.
-- Look-back days this run did not score come from the ranks remembered under the same inputs.
-- With a review calendar (macros/review.sql) a demotion waits for the next review date: between
-- reviews an account keeps the highest tier it held since the last one (disqualification still
-- takes effect at once), and the tier its scores hold it in is its pending tier.
{%- set lookback = scoring('hysteresis.lookback_days') %}
{%- set reviews = review_dates() %}
{%- set demotion_days = scoring('hysteresis.demotion_days') %}

with scored as (
    select * from {{ ref('int_account_scores_daily') }}
),

fingerprints as (
    {{ score_input_fingerprint_rows() }}
),

remembered as (
    select
        remembered.score_date,
        remembered.account_id,
        remembered.qualified_tier_rank,
        remembered.retained_tier_rank
    from {{ ref('int_account_ranks_remembered') }} as remembered
    inner join fingerprints
        on
            remembered.score_date = fingerprints.score_date
            and remembered.inputs_fingerprint = fingerprints.inputs_fingerprint
    where
        remembered.score_date >= {{ series_start() }}
        and remembered.score_date not in (select scoring_dates.score_date from {{ ref('int_scoring_dates') }} as scoring_dates)
),

ranks as (
    select
        score_date,
        account_id,
        qualified_tier_rank,
        retained_tier_rank
    from scored
    union all
    select
        score_date,
        account_id,
        qualified_tier_rank,
        retained_tier_rank
    from remembered
),

series as (
    select
        *,
        {{ dbt.datediff("cast('2000-01-01' as date)", 'score_date', 'day') }} as day_number
    from ranks
),

windowed as (
    select
        *,
        max(case when qualified_tier_rank >= 3 then score_date end) over lookback_window as last_qualified_tier_1,
        max(case when qualified_tier_rank >= 2 then score_date end) over lookback_window as last_qualified_tier_2,
        sum(case when retained_tier_rank < 3 then 1 else 0 end) over demotion_window as days_below_tier_1,
        sum(case when retained_tier_rank < 2 then 1 else 0 end) over demotion_window as days_below_tier_2
    from series
    window
        lookback_window as (partition by account_id order by day_number range between {{ lookback }} preceding and current row),
        demotion_window as (partition by account_id order by day_number range between {{ demotion_days - 1 }} preceding and current row)
),

demotions as (
    select
        *,
        max(case when days_below_tier_1 >= {{ demotion_days }} then score_date end) over lookback_window as last_demoted_tier_1,
        max(case when days_below_tier_2 >= {{ demotion_days }} then score_date end) over lookback_window as last_demoted_tier_2
    from windowed
    window lookback_window as (partition by account_id order by day_number range between {{ lookback }} preceding and current row)
),

held as (
    select
        score_date,
        account_id,
        day_number,
        last_qualified_tier_1,
        last_qualified_tier_2,
        days_below_tier_1,
        days_below_tier_2,
        last_demoted_tier_1,
        last_demoted_tier_2,
        case
            when qualified_tier_rank = 0 then 0
            when qualified_tier_rank = 3 then 3
            when
                last_qualified_tier_1 is not null
                and (last_demoted_tier_1 is null or last_demoted_tier_1 < last_qualified_tier_1) then 3
            when qualified_tier_rank = 2 then 2
            when
                last_qualified_tier_2 is not null
                and (last_demoted_tier_2 is null or last_demoted_tier_2 < last_qualified_tier_2) then 2
            else qualified_tier_rank
        end as hysteresis_tier_rank
    from demotions
),

-- The linter lays out one branch of the calendar's Jinja at a time, so its layout is left to review;
-- without a calendar the periods are unused.
-- noqa: disable=LT02,ST03
-- the review calendar's periods (no rows without a calendar)
review_periods as (
    {{ review_period_rows(reviews) }}
),

reviewed as (
    select
        held.*,
        {%- if reviews %}
        review_periods.next_review_date,
        case
            when held.hysteresis_tier_rank = 0 or review_periods.review_date is null then held.hysteresis_tier_rank
            else
                max(held.hysteresis_tier_rank) over (
                    partition by held.account_id, review_periods.review_date
                    order by held.day_number
                    rows between unbounded preceding and current row
                )
        end as held_tier_rank
    from held
    -- days before the first review date have no period: demotions take effect as without a calendar
    left join review_periods
        on
            held.score_date >= review_periods.review_date
            and (held.score_date < review_periods.next_review_date or review_periods.next_review_date is null)
        {%- else %}
        cast(null as date) as next_review_date,
        held.hysteresis_tier_rank as held_tier_rank
    from held
        {%- endif %}
),
-- noqa: enable=LT02,ST03

final as (
    select
        scored.*,
        held.day_number,
        held.last_qualified_tier_1,
        held.last_qualified_tier_2,
        held.days_below_tier_1,
        held.days_below_tier_2,
        held.last_demoted_tier_1,
        held.last_demoted_tier_2,
        held.held_tier_rank,
        case when held.held_tier_rank > held.hysteresis_tier_rank then held.hysteresis_tier_rank end as pending_tier_rank,
        held.next_review_date
    from scored
    inner join reviewed as held
        on
            scored.score_date = held.score_date
            and scored.account_id = held.account_id
    where scored.score_date >= {{ dbt.dateadd('day', -1, as_of_start()) }}
)

select * from final
