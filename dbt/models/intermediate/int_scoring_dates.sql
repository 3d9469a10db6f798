-- The score series one run computes: the as-of range plus the look-back that hysteresis and tier
-- changes need (each day of it is scored from exports up to that day only), less the look-back days
-- whose ranks are remembered from an earlier run on the same inputs (macros/remembered.sql).
{%- set remembered = remembered_score_dates() %}

with days as (
    {{ dbt.date_spine('day', series_start(), dbt.dateadd('day', 1, as_of_end())) }}
),

final as (
    select cast(date_day as date) as score_date
    from days
)

select * from final
{%- if remembered %}
    where score_date not in ({% for day in remembered %}cast('{{ day }}' as date){{ ", " if not loop.last }}{% endfor %})
{%- endif %}
