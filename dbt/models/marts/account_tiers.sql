-- The current tiers: the latest as-of date in the history.
with history as (
    select * from {{ ref('account_tier_history') }}
),

latest as (
    select * from history
    where as_of_date = (select max(as_of_date) from history)
)

select * from latest
