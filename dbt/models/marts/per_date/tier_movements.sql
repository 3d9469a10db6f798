-- Accounts per tier transition per as-of date (tier_1 -> tier_2, ...), for the report and Sankey charts.
with changes as (
    select * from {{ ref('account_tier_changes') }}
    where {{ in_as_of_range('as_of_date') }}
),

final as (
    select
        as_of_date,
        from_tier,
        to_tier,
        change_type,
        count(*) as accounts
    from changes
    group by as_of_date, from_tier, to_tier, change_type
)

select * from final
