-- Engagement (0-20) per account and score date: activities within the look-back (matched by CRM
-- account id, else by domain) plus verified decision-maker contacts; and the latest trigger event.
{%- set lookback = scoring('engagement.lookback_days') %}
{%- set trigger_window = scoring('clusters.trigger_window_days') %}
{%- set recent_trigger_date -%}
    case when triggers.cluster is not null and dated.activity_date > {{ dbt.dateadd('day', -trigger_window, 'dated.score_date') }}
        then dated.activity_date end
{%- endset %}

with activities as (
    {{ events_in_window('stg_crm__activities', [lookback, trigger_window] | max) }}
),

activity_points as ({{ mapping_values('engagement.activity_points', 'activity_type', 'points') }}),

triggers as ({{ mapping_values('clusters.triggers', 'activity_type', 'cluster', dbt.type_string()) }}),

account_map as (
    select * from {{ ref('int_account_ids_mapped') }}
),

domain_map as (
    select
        score_date,
        domain,
        min(account_id) as account_id
    from account_map
    where domain is not null
    group by score_date, domain
),

dated as (
    select
        scoring_dates.score_date,
        coalesce(by_id.account_id, by_domain.account_id) as account_id,
        activities.activity_type,
        activities.activity_date
    from {{ ref('int_scoring_dates') }} as scoring_dates
    inner join activities
        on
            scoring_dates.score_date >= activities.export_date
            and scoring_dates.score_date >= activities.activity_date
            and activities.activity_date > {{ dbt.dateadd('day', -([lookback, trigger_window] | max), 'scoring_dates.score_date') }}
    left join account_map as by_id
        on
            scoring_dates.score_date = by_id.score_date
            and activities.account_id = by_id.crm_account_id
    left join domain_map as by_domain
        on
            scoring_dates.score_date = by_domain.score_date
            and activities.domain = by_domain.domain
),

per_account as (
    select
        dated.score_date,
        dated.account_id,
        round(sum(case
            when dated.activity_date > {{ dbt.dateadd('day', -lookback, 'dated.score_date') }}
                then coalesce(activity_points.points, 0)
            else 0
        end), 2) as activity_points_raw,
        sum(case
            when
                dated.activity_date > {{ dbt.dateadd('day', -lookback, 'dated.score_date') }}
                and activity_points.points > 0 then 1
            else 0
        end) as scored_activities,
        sum(case
            when
                dated.activity_type in ('meeting', 'demo_request')
                and dated.activity_date > {{ dbt.dateadd('day', -lookback, 'dated.score_date') }} then 1
            else 0
        end) as meetings_and_demos,
        max({{ recent_trigger_date }}) as latest_trigger_date,
        {{ arg_max('triggers.cluster', recent_trigger_date) }} as trigger_cluster
    from dated
    left join activity_points
        on dated.activity_type = activity_points.activity_type
    left join triggers
        on dated.activity_type = triggers.activity_type
    where dated.account_id is not null
    group by dated.score_date, dated.account_id
)

select * from per_account
