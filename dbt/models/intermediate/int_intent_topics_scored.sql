-- Each domain's strongest signal per configured topic and score date, decayed by age with the
-- configured half-life, and the points it is worth (before the 0-30 cap of the account's total).
{%- set lookback = scoring('intent.lookback_days') %}

with signals as (
    {{ events_in_window('stg_intent__signals', lookback) }}
),

topics as ({{ mapping_values('intent.topics', 'topic', 'weight') }}),

decayed as (
    select
        scoring_dates.score_date,
        signals.domain,
        topics.topic,
        topics.weight,
        signals.score,
        {{ dbt.datediff('signals.signal_date', 'scoring_dates.score_date', 'day') }} as age_days,
        -- in doubles: Spark reads 14.0 as a decimal and would cut the exponent to six places
        signals.score * power(
            0.5, cast({{ dbt.datediff('signals.signal_date', 'scoring_dates.score_date', 'day') }} as double)
            / {{ scoring('intent.half_life_days') }}
        ) as strength
    from {{ ref('int_scoring_dates') }} as scoring_dates
    inner join signals
        on
            scoring_dates.score_date >= signals.export_date
            and scoring_dates.score_date >= signals.signal_date
            and signals.signal_date > {{ dbt.dateadd('day', -lookback, 'scoring_dates.score_date') }}
    inner join topics
        on lower(signals.topic) = lower(topics.topic)
    where
        signals.score >= {{ scoring('intent.min_signal_score') }}
        and signals.domain is not null
),

-- Ranks are taken on rounded strengths with a tie-break: engines compute power() to different last
-- bits, and two signals of equal strength must name the same one everywhere.
strongest_per_topic as (
    select
        *,
        row_number() over (
            partition by score_date, domain, topic
            order by round(strength, 9) desc, age_days asc, score desc
        ) as rank_in_topic
    from decayed
),

final as (
    select
        score_date,
        domain,
        topic,
        weight,
        strength,
        round(weight * strength, 9) as weighted_strength,
        -- six decimal places: a sum of doubles depends on the order a parallel aggregate adds in,
        -- and at x.xx5 that order (or an engine's last bit) decided the score
        cast(round(weight * strength / 100 * {{ scoring('intent.points_per_topic') }}, 6) as decimal(38, 6)) as topic_points,
        age_days,
        score as signal_score
    from strongest_per_topic
    where rank_in_topic = 1
)

select * from final
