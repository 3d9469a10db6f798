-- Whether each tier's play is run, by the date accounts entered it, their tier and their owner:
-- how many entered, how many were first touched within the SLA, late, overdue or not yet due, the
-- median days to the first touch and the touches per account a week against the play's target.
with plays as (
    select * from {{ ref('int_account_plays_tracked') }}
    where tier <> 'disqualified'
),

final as (
    select
        entered_date,
        tier,
        owner_id,
        max(owner_name) as owner_name,
        count(*) as accounts_entered,
        sum(case when play_status = 'on_time' then 1 else 0 end) as touched_on_time,
        sum(case when play_status = 'late' then 1 else 0 end) as touched_late,
        sum(case when play_status = 'overdue' then 1 else 0 end) as overdue,
        sum(case when play_status = 'pending' then 1 else 0 end) as pending,
        sum(case when play_status = 'moved_on' then 1 else 0 end) as moved_on,
        -- of the accounts whose SLA has been decided (touched, or due and untouched)
        round(
            cast(sum(case when play_status = 'on_time' then 1 else 0 end) as double)
            / nullif(sum(case when play_status in ('on_time', 'late', 'overdue') then 1 else 0 end), 0), 4
        ) as sla_met_share,
        median(days_to_first_touch) as median_days_to_first_touch,
        round(avg(touches_per_week), 2) as touches_per_account_per_week,
        max(target_touches_per_week) as target_touches_per_week,
        max(status_date) as status_date
    from plays
    group by entered_date, tier, owner_id
)

select * from final
