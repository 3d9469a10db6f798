-- Why each account has its tier, in words and labels: the tier 2 cluster, the fit x intent quadrant,
-- reachability, and the reason in one sentence (each score explained, then the basis of the tier).
{{ config(materialized='view') }}
{%- set tier_1_cap = scoring('tiers.tier_1_cap') %}

with tiers as (
    select * from {{ ref('int_account_tiers_capped') }}
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
        verified_decision_makers > 0 as is_reachable,
        case
            when tier = 'tier_1' and buying_group_coverage < {{ scoring('buying_group.min_tier_1_coverage') }}
                then 'not reachable: no verified ' || missing_buying_roles
        end as buying_group_gap
    from tiers
),

explained as (
    select
        *,
        'fit ' || {{ format_score('fit_score') }} || '/{{ score_cap('fit') }} ('
        || concat_ws(
            ', ',
            coalesce(industry, 'industry unknown'),
            case when employees is not null then {{ format_thousands('employees') }} || ' employees' end,
            country_code,
            case when fit_technologies is not null then 'runs ' || fit_technologies end,
            case when competitor_technologies is not null then 'uses competitor ' || competitor_technologies end
        ) || ')' as fit_explanation,
        'intent ' || {{ format_score('intent_score') }} || '/{{ score_cap('intent') }} ('
        || case
            when top_intent_topic is null then 'no recent surge on tracked topics'
            else
                case
                    when top_intent_account_id <> account_id
                        then 'rolled up from ' || coalesce(top_intent_account_name, top_intent_account_id) || ': '
                    else ''
                end
                || 'surge on ''' || top_intent_topic || ''' '
                || case
                    when top_intent_age_days = 0 then 'today' when top_intent_age_days = 1 then '1 day ago'
                    else cast(top_intent_age_days as {{ dbt.type_string() }}) || ' days ago'
                end
                || case when intent_topics > 1 then ', ' || cast(intent_topics as {{ dbt.type_string() }}) || ' topics' else '' end
        end || ')' as intent_explanation,
        'engagement ' || {{ format_score('engagement_score') }} || '/{{ score_cap('engagement') }} ('
        || cast(verified_decision_makers as {{ dbt.type_string() }}) || ' verified decision-maker'
        || case when verified_decision_makers = 1 then '' else 's' end
        || case
            when scored_activities > 0
                then
                    ', ' || cast(scored_activities as {{ dbt.type_string() }}) || ' recent activit'
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
                    'pinned by ' || coalesce(override_owner, 'sales') || ' until ' || cast(override_expires_on as {{ dbt.type_string() }})
                    || ' (' || coalesce(override_reason, 'no reason given') || '); '
            when tier = 'disqualified' and is_excluded then exclusion_reason || '; '
            when tier = 'disqualified' then 'fit below the minimum of {{ scoring('tiers.min_fit') }}; '
            else ''
        end
        || fit_explanation || ', ' || intent_explanation || ', ' || engagement_explanation
        || case tier_basis
            when 'tier_1_cap' then '; qualifies for tier 1 but ranks outside the tier 1 cap of {{ tier_1_cap }}'
            when 'review'
                then
                    '; kept in ' || {{ tier_name('held_tier_rank') }} || ' until the review of '
                    || coalesce(cast(next_review_date as {{ dbt.type_string() }}), 'the next review date')
                    || ' (its scores place it in ' || pending_tier || ' now)'
            when 'hysteresis'
                then
                    '; kept in ' || {{ tier_name('held_tier_rank') }}
                    || ' by hysteresis (scores dipped below its thresholds for fewer than {{ scoring('hysteresis.demotion_days') }} days)'
            else ''
        end
        || case
            when buying_group_gap is not null then '; NOT REACHABLE: no verified ' || missing_buying_roles
            when tier = 'tier_1' and not is_reachable then '; NOT REACHABLE: no verified decision-maker contact'
            else ''
        end
            as tier_reason
    from explained
)

select * from reasoned
