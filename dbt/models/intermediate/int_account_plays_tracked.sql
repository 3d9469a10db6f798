-- Every play an account entered (account_play_entries, all dates published so far) against the
-- account team's touches from its entry until the account entered its next play, as known on the
-- latest as-of date: the first touch, the touches a week and the status against the play's SLA.
-- An account in a play since before the history began entered it on the history's first date.
{%- set entry_columns = ['as_of_date', 'account_id', 'owner_id', 'owner_name', 'tier', 'play_key', 'play_sla_days', 'sla_due_date'] %}

with history as (
    select * from {{ ref('account_tier_history') }}
),

dates as (
    select
        min(as_of_date) as first_date,
        max(as_of_date) as latest_date
    from history
),

recorded as (
    select entries.*
    from {{ ref('account_play_entries') }} as entries
    cross join dates
    where entries.as_of_date <= dates.latest_date
),

first_accounts as (
    select history.*
    from history
    inner join dates on history.as_of_date = dates.first_date
),

-- every account in a play on the first date entered it then, unless its entry that day is recorded
since_the_first_date as (
    select
        dates.first_date as as_of_date,
        first_accounts.account_id,
        first_accounts.owner_id,
        first_accounts.owner_name,
        first_accounts.tier,
        first_accounts.play_key,
        first_accounts.play_sla_days,
        {{ add_days('dates.first_date', 'first_accounts.play_sla_days') }} as sla_due_date
    from first_accounts
    cross join dates
    left join recorded
        on
            first_accounts.account_id = recorded.account_id
            and dates.first_date = recorded.as_of_date
    where recorded.account_id is null
),

-- by name: on Spark the per-date table keeps its partition column last
entries as (
    select {{ entry_columns | join(', ') }} from recorded
    union all
    select {{ entry_columns | join(', ') }} from since_the_first_date
),

touches as (
    select * from {{ ref('int_account_touches_listed') }}
),

targets as ({{ mapping_values('adherence.touches_per_week', 'tier', 'touches_per_week') }}),

spells as (
    select
        entries.*,
        lead(entries.as_of_date) over (partition by entries.account_id order by entries.as_of_date) as left_date,
        dates.latest_date as status_date
    from entries
    cross join dates
),

-- the last day of the spell the status can judge: the day before the next play, else the latest date
bounded as (
    select
        *,
        coalesce({{ add_days('left_date', -1) }}, status_date) as last_day
    from spells
),

touched as (
    select
        bounded.account_id,
        bounded.as_of_date,
        min(touches.activity_date) as first_touch_date,
        count(*) as touches
    from bounded
    inner join touches
        on
            bounded.account_id = touches.account_id
            and bounded.as_of_date <= touches.activity_date
            and bounded.last_day >= touches.activity_date
            and bounded.status_date >= touches.known_date
    group by bounded.account_id, bounded.as_of_date
),

final as (
    select
        bounded.as_of_date as entered_date,
        bounded.account_id,
        bounded.owner_id,
        bounded.owner_name,
        bounded.tier,
        bounded.play_key,
        bounded.play_sla_days,
        bounded.sla_due_date,
        bounded.left_date,
        bounded.status_date,
        touched.first_touch_date,
        {{ days_between('bounded.as_of_date', 'touched.first_touch_date') }} as days_to_first_touch,
        coalesce(touched.touches, 0) as touches,
        -- over at least a week, so a touch on the day of entry is not seven a week
        round(
            coalesce(touched.touches, 0) * cast(7 as double)
            / greatest({{ days_between('bounded.as_of_date', 'bounded.last_day') }} + 1, 7), 2
        ) as touches_per_week,
        coalesce(targets.touches_per_week, 0) as target_touches_per_week,
        case
            when bounded.tier = 'disqualified' then 'no_play'
            when touched.first_touch_date <= bounded.sla_due_date then 'on_time'
            when touched.first_touch_date is not null then 'late'
            when bounded.last_day > bounded.sla_due_date then 'overdue'
            when bounded.left_date is not null then 'moved_on'
            else 'pending'
        end as play_status
    from bounded
    left join touched
        on
            bounded.account_id = touched.account_id
            and bounded.as_of_date = touched.as_of_date
    left join targets
        on bounded.tier = targets.tier
)

select * from final
