-- Intent (0-30) per domain and score date: configured topics only, each signal decayed by age with
-- the configured half-life; a topic counts with its strongest decayed signal.
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
        signals.score * power(
            0.5, {{ dbt.datediff('signals.signal_date', 'scoring_dates.score_date', 'day') }}
            / {{ scoring('intent.half_life_days') }}.0
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

per_topic as (
    select
        score_date,
        domain,
        topic,
        max(weight) as weight,
        max(strength) as strength,
        {{ arg_max('age_days', 'strength') }} as age_days,
        {{ arg_max('score', 'strength') }} as signal_score
    from decayed
    group by score_date, domain, topic
),

per_domain as (
    select
        score_date,
        domain,
        -- summed as decimals: a sum of doubles depends on the order a parallel aggregate adds in,
        -- and at x.xx5 that order decided the rounded score
        cast(
            round(least(30, sum(cast(weight * strength / 100.0 * {{ scoring('intent.points_per_topic') }} as decimal(38, 12)))), 2)
            as double
        ) as intent_score,
        count(*) as intent_topics,
        {{ arg_max('topic', 'weight * strength') }} as top_intent_topic,
        {{ arg_max('age_days', 'weight * strength') }} as top_intent_age_days,
        {{ arg_max('signal_score', 'weight * strength') }} as top_intent_signal_score
    from per_topic
    group by score_date, domain
)

select * from per_domain
