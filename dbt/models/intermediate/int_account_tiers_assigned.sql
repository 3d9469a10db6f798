-- The final tier per account and date: hysteresis tier, capped tier 1, active sales overrides,
-- the tier 2 cluster, the play, and the reason in one sentence.
{%- set tier_1_cap = scoring('tiers.tier_1_cap') %}

with held as (
    select * from {{ ref('int_account_tiers_held') }}
),

overrides as (
    select * from {{ ref('tier_overrides') }}
),

plays as ({{ plays_values() }}),

with_overrides as (
    select
        held.*,
        overrides.tier as override_tier,
        overrides.reason as override_reason,
        overrides.owner as override_owner,
        overrides.expires_on as override_expires_on
    from held
    left join overrides
        on
            held.account_id = cast(overrides.account_id as varchar)
            and held.score_date <= overrides.expires_on
),

positioned as (
    select
        *,
        row_number() over (
            partition by score_date, case when held_tier_rank = 3 and override_tier is null then 1 else 0 end
            order by total_score desc, fit_score desc, account_id asc
        ) as tier_1_position,
        sum(case when override_tier = 'tier_1' then 1 else 0 end) over (partition by score_date) as pinned_tier_1
    from with_overrides
),

capped as (
    select
        *,
        case
            when held_tier_rank = 3 and override_tier is null and tier_1_position > {{ tier_1_cap }} - pinned_tier_1 then 2
            else held_tier_rank
        end as capped_tier_rank
    from positioned
),

tiered as (
    select
        *,
        coalesce(override_tier, {{ tier_name('capped_tier_rank') }}) as tier,
        case
            when override_tier is not null then 'override'
            when capped_tier_rank < held_tier_rank then 'tier_1_cap'
            when held_tier_rank > qualified_tier_rank then 'hysteresis'
            else 'scores'
        end as tier_basis
    from capped
),

clustered as (
    select
        *,
        case
            when tier = 'tier_2'
                then coalesce(trigger_cluster, 'industry: ' || coalesce(industry, 'unknown'))
        end as tier_2_cluster,
        case
            when
                fit_score >= {{ scoring('tiers.quadrant.high_fit') }} and intent_score >= {{ scoring('tiers.quadrant.high_intent') }}
                then 'high_fit_high_intent'
            when fit_score >= {{ scoring('tiers.quadrant.high_fit') }} then 'high_fit_low_intent'
            when intent_score >= {{ scoring('tiers.quadrant.high_intent') }} then 'low_fit_high_intent'
            else 'low_fit_low_intent'
        end as fit_intent_quadrant,
        verified_decision_makers > 0 as is_reachable
    from tiered
),

explained as (
    select
        *,
        'fit ' || {{ format_score('fit_score') }} || '/50 ('
        || concat_ws(
            ', ',
            coalesce(industry, 'industry unknown'),
            case when employees is not null then {{ format_thousands('employees') }} || ' employees' end,
            country_code,
            case when fit_technologies is not null then 'runs ' || fit_technologies end,
            case when competitor_technologies is not null then 'uses competitor ' || competitor_technologies end
        ) || ')' as fit_explanation,
        'intent ' || {{ format_score('intent_score') }} || '/30 ('
        || case
            when top_intent_topic is null then 'no recent surge on tracked topics'
            else
                'surge on ''' || top_intent_topic || ''' '
                || case
                    when top_intent_age_days = 0 then 'today' when top_intent_age_days = 1 then '1 day ago'
                    else cast(top_intent_age_days as varchar) || ' days ago'
                end
                || case when intent_topics > 1 then ', ' || cast(intent_topics as varchar) || ' topics' else '' end
        end || ')' as intent_explanation,
        'engagement ' || {{ format_score('engagement_score') }} || '/20 ('
        || cast(verified_decision_makers as varchar) || ' verified decision-maker'
        || case when verified_decision_makers = 1 then '' else 's' end
        || case
            when scored_activities > 0
                then
                    ', ' || cast(scored_activities as varchar) || ' recent activit'
                    || case when scored_activities = 1 then 'y' else 'ies' end
            else ''
        end
        || ')' as engagement_explanation
    from clustered
),

reasoned as (
    select
        *,
        case tier when 'tier_1' then 'Tier 1' when 'tier_2' then 'Tier 2' when 'tier_3' then 'Tier 3' else 'Disqualified' end
        || case when tier_2_cluster is not null then ' [' || tier_2_cluster || ']' else '' end
        || ': '
        || case
            when tier_basis = 'override'
                then
                    'pinned by ' || coalesce(override_owner, 'sales') || ' until ' || cast(override_expires_on as varchar)
                    || ' (' || coalesce(override_reason, 'no reason given') || '); '
            when tier = 'disqualified' and is_excluded then exclusion_reason || '; '
            when tier = 'disqualified' then 'fit below the minimum of {{ scoring('tiers.min_fit') }}; '
            else ''
        end
        || fit_explanation || ', ' || intent_explanation || ', ' || engagement_explanation
        || case tier_basis
            when 'tier_1_cap' then '; qualifies for tier 1 but ranks outside the tier 1 cap of {{ tier_1_cap }}'
            when
                'hysteresis'
                then
                    '; kept in '
                    || {{ tier_name('held_tier_rank') }}
                    || ' by hysteresis (scores dipped below its thresholds for fewer than {{ scoring('hysteresis.demotion_days') }} days)'
            else ''
        end
        || case when tier = 'tier_1' and not is_reachable then '; NOT REACHABLE: no verified decision-maker contact' else '' end
            as tier_reason
    from explained
),

with_plays as (
    select
        reasoned.*,
        coalesce(cluster_plays.play_motion, tier_plays.play_motion) as play_motion,
        coalesce(cluster_plays.play_channels, tier_plays.play_channels) as play_channels,
        coalesce(cluster_plays.play_cadence, tier_plays.play_cadence) as play_cadence,
        coalesce(cluster_plays.play_owner_role, tier_plays.play_owner_role) as play_owner_role,
        coalesce(cluster_plays.play_sla_days, tier_plays.play_sla_days) as play_sla_days
    from reasoned
    left join plays as tier_plays
        on reasoned.tier = tier_plays.play_key
    left join plays as cluster_plays
        on
            cluster_plays.play_key = 'tier_2:' || reasoned.trigger_cluster
            and reasoned.tier = 'tier_2'
),

changes as (
    select
        *,
        -- the tier on the day before, only if the account was tiered that day
        case
            when lag(score_date) over by_account = {{ dbt.dateadd('day', -1, 'score_date') }}
                then lag(tier) over by_account
        end as previous_tier
    from with_plays
    window by_account as (partition by account_id order by score_date)
)

select * from changes
