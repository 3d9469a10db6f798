-- Each account's tier as slowly changing dimension (type 2) rows, for BI tools that expect one:
-- valid_from is the first as-of date of a run of the same tier, valid_to the first date after it
-- (null while current). Derived from the history, never from snapshots.
{{ config(materialized='view') }}

with history as (
    select as_of_date, account_id, tier, tier_reason
    from {{ ref('account_tier_history') }}
),

marked as (
    select
        *,
        case when tier = lag(tier) over (partition by account_id order by as_of_date) then 0 else 1 end as starts_run
    from history
),

numbered as (
    select
        *,
        sum(starts_run) over (partition by account_id order by as_of_date rows between unbounded preceding and current row) as run_number
    from marked
),

runs as (
    select
        account_id,
        run_number,
        min(tier) as tier,
        min(as_of_date) as valid_from,
        max(as_of_date) as last_seen,
        {{ arg_max('tier_reason', 'as_of_date') }} as tier_reason
    from numbered
    group by account_id, run_number
),

final as (
    select
        account_id,
        tier,
        valid_from,
        lead(valid_from) over (partition by account_id order by valid_from) as valid_to,
        last_seen,
        lead(valid_from) over (partition by account_id order by valid_from) is null as is_current,
        tier_reason
    from runs
)

select * from final
