{#
  The review calendar (the rules' `review:`): with one, demotions take effect only on review dates.
  The dates are worked out while compiling, from the rules and the run's as-of range: the latest
  review on or before the range's first day, every one within it, and the next one after it.
#}
{% macro review_dates() -%}
    {%- set review = scoring('review') -%}
    {%- if not review or not (review['quarterly'] or review['dates']) -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set date = modules.datetime.date -%}
    {%- set start = date.fromisoformat(as_of_date('ABM_AS_OF_START', 'ABM_AS_OF_END')) -%}
    {%- set end = date.fromisoformat(as_of_date('ABM_AS_OF_END', 'ABM_AS_OF_START')) -%}
    {%- set candidates = [] -%}
    {%- for day in review['dates'] -%}
        {%- do candidates.append(date.fromisoformat(day | string)) -%}
    {%- endfor -%}
    {%- if review['quarterly'] -%}
        {%- for year in range(start.year - 1, end.year + 2) -%}
            {%- for month in [1, 4, 7, 10] -%}
                {%- set quarter = date(year, month, 1) -%}
                {#- the first Monday of the quarter -#}
                {%- do candidates.append(quarter + modules.datetime.timedelta(days=(7 - quarter.weekday()) % 7)) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set ns = namespace(before=none, dates=[], after=none) -%}
    {%- for day in candidates | unique | sort -%}
        {%- if day <= start -%}
            {%- set ns.before = day -%}
        {%- elif day <= end -%}
            {%- do ns.dates.append(day) -%}
        {%- elif ns.after is none -%}
            {%- set ns.after = day -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(([ns.before] if ns.before else []) + ns.dates + ([ns.after] if ns.after else [])) }}
{%- endmacro %}

{# The review periods as rows (review_date, next_review_date): an account's tier can fall only when a
   new period begins. The last period has no next review in the calendar yet: its next_review_date is
   null. No rows without a calendar. #}
{% macro review_period_rows(dates) -%}
    {%- if not dates %}
    select cast(null as date) as review_date, cast(null as date) as next_review_date where 1 = 0
    {%- endif %}
    {%- for day in dates %}
    select
        cast('{{ day }}' as date) as review_date,
        {% if not loop.last %}cast('{{ dates[loop.index] }}' as date){% else %}cast(null as date){% endif %} as next_review_date
    {{ "union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}
