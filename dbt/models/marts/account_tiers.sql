-- The current tiers: the latest as-of date in the history, with where each account's play stands.
with history as (
    select * from {{ ref('account_tier_history') }}
),

latest_date as (
    select max(as_of_date) as as_of_date from history
),

plays as (
    select * from {{ ref('int_account_plays_tracked') }}
    where left_date is null
),

latest as (
    select
        history.*,
        plays.play_status,
        plays.entered_date as play_entered_date,
        plays.sla_due_date,
        plays.first_touch_date
    from history
    inner join latest_date on history.as_of_date = latest_date.as_of_date
    left join plays on history.account_id = plays.account_id
)

select * from latest
