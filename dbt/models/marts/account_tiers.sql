-- The current tiers: the latest as-of date in the history.
with history as (
    select * from {{ ref('account_tier_history') }}
),

latest_date as (
    select max(as_of_date) as as_of_date from history
),

latest as (
    select history.*
    from history
    inner join latest_date on history.as_of_date = latest_date.as_of_date
)

select * from latest
