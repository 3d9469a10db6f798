-- Fit, intent and engagement per account and score date, the tier each day's scores qualify for on
-- their own (`qualified_tier_rank`) and the tier they are still good enough to keep
-- (`retained_tier_rank`, thresholds lowered by the hysteresis margin). Ranks: 3 = tier_1,
-- 2 = tier_2, 1 = tier_3, 0 = disqualified.
with accounts as (
    select * from {{ ref('int_accounts_deduplicated') }}
),

fit as (
    select * from {{ ref('int_account_fit_scored') }}
),

intent as (
    select * from {{ ref('int_account_intent_scored') }}
),

engagement as (
    select * from {{ ref('int_account_engagement_rolled_up') }}
),

contacts as (
    select * from {{ ref('int_account_contacts_aggregated') }}
),

buying_group as (
    select * from {{ ref('int_account_buying_group_covered') }}
),

joined as (
    select
        accounts.score_date,
        accounts.account_id,
        accounts.account_name,
        accounts.domain,
        accounts.industry,
        accounts.employees,
        accounts.annual_revenue,
        accounts.country_code,
        accounts.account_type,
        accounts.owner_id,
        accounts.crm_record_count,
        fit.industry_points,
        fit.employee_points,
        fit.revenue_points,
        fit.country_points,
        fit.technology_points,
        fit.fit_technologies,
        fit.competitor_technologies,
        fit.fit_score,
        fit.is_excluded,
        fit.exclusion_reason,
        coalesce(intent.intent_score, 0) as intent_score,
        coalesce(intent.intent_topics, 0) as intent_topics,
        intent.top_intent_topic,
        intent.top_intent_age_days,
        intent.top_intent_signal_score,
        intent.top_intent_account_id,
        intent_members.account_name as top_intent_account_name,
        {{ activity_points('engagement.activity_points_raw') }} as activity_points,
        {{ decision_maker_points('contacts.verified_decision_makers') }} as decision_maker_points,
        coalesce(engagement.scored_activities, 0) as scored_activities,
        coalesce(engagement.meetings_and_demos, 0) as meetings_and_demos,
        engagement.trigger_cluster,
        engagement.latest_trigger_date,
        coalesce(contacts.contacts, 0) as contacts,
        coalesce(contacts.stale_contacts, 0) as stale_contacts,
        coalesce(contacts.unverified_contacts, 0) as unverified_contacts,
        coalesce(contacts.decision_makers, 0) as decision_makers,
        coalesce(contacts.verified_decision_makers, 0) as verified_decision_makers,
        buying_group.buying_group_coverage,
        buying_group.missing_buying_roles
    from accounts
    left join fit
        on accounts.score_date = fit.score_date and accounts.account_id = fit.account_id
    left join intent
        on accounts.score_date = intent.score_date and accounts.account_id = intent.account_id
    left join engagement
        on accounts.score_date = engagement.score_date and accounts.account_id = engagement.account_id
    left join contacts
        on accounts.score_date = contacts.score_date and accounts.account_id = contacts.account_id
    left join accounts as intent_members
        on intent.score_date = intent_members.score_date and intent.top_intent_account_id = intent_members.account_id
    left join buying_group
        on accounts.score_date = buying_group.score_date and accounts.account_id = buying_group.account_id
),

scored as (
    select
        *,
        least({{ score_cap('engagement') }}, activity_points + decision_maker_points) as engagement_score
    from joined
),

totalled as (
    select
        *,
        fit_score + intent_score + engagement_score as total_score
    from scored
),

ranked as (
    select
        *,
        {{ tier_rank('fit_score', 'intent_score', 'total_score', 'is_excluded') }} as qualified_tier_rank,
        {{ tier_rank('fit_score', 'intent_score', 'total_score', 'is_excluded', scoring('hysteresis.demotion_margin')) }}
            as retained_tier_rank
    from totalled
)

select * from ranked
