{#
  The statistics of ICP discovery (models/discovery), one definition each so that the unit tests
  check exactly what the mart computes.
#}

{# A bound of the Wilson score interval (95 % by default) of `wins` out of `n`: side -1 lower, +1 upper
   (held within 0-1, which floating point can miss by a last bit). #}
{% macro wilson_bound(wins, n, side, z=1.96) -%}
    {%- set rate = '(cast(' ~ wins ~ ' as double) / ' ~ n ~ ')' -%}
    {%- set z2 = 'cast(' ~ (z * z) ~ ' as double)' -%}
    greatest(cast(0 as double), least(cast(1 as double), ({{ rate }} + {{ z2 }} / (2 * {{ n }})
        {{ '-' if side < 0 else '+' }} cast({{ z }} as double) * sqrt({{ rate }} * (1 - {{ rate }}) / {{ n }} + {{ z2 }} / (4 * {{ n }} * {{ n }})))
        / (1 + {{ z2 }} / {{ n }})))
{%- endmacro %}

{# The win rate shrunk towards the overall rate `base_rate`, as if `strength` more deals won at that rate. #}
{% macro shrunk_rate(wins, n, base_rate, strength) -%}
    ((cast({{ wins }} as double) + {{ strength }} * {{ base_rate }}) / ({{ n }} + {{ strength }}))
{%- endmacro %}

{# Weight of evidence of a bin: ln(share of all wins / share of all losses), each count +0.5 so an empty side stays finite. #}
{% macro weight_of_evidence(wins, losses, total_wins, total_losses) -%}
    ln(((cast({{ wins }} as double) + 0.5) / {{ total_wins }}) / ((cast({{ losses }} as double) + 0.5) / {{ total_losses }}))
{%- endmacro %}

{# A bin's share of the information value: (share of wins - share of losses) x its weight of evidence. #}
{% macro information_value_part(wins, losses, total_wins, total_losses) -%}
    ((cast({{ wins }} as double) / {{ total_wins }} - cast({{ losses }} as double) / {{ total_losses }})
        * {{ weight_of_evidence(wins, losses, total_wins, total_losses) }})
{%- endmacro %}

{#
  The band of `expression` among the lower bounds `edges` (increasing), as a label: style 'count'
  gives "200-999" and "10,000+", 'money' "$10M-$50M" and "$1B+".
#}
{% macro band_label(expression, edges, style='count') -%}
    case
        {%- for edge in edges | reverse %}
        {%- set upper = (edges | reverse | list)[loop.index0 - 1] if not loop.first else none %}
        when {{ expression }} >= {{ edge }} then {{ text_literal(band_name(edge, upper, style)) }}
        {%- endfor %}
    end
{%- endmacro %}

{# The sales region (discovery.regions) of an ISO country code: 'other' when no region lists it. #}
{% macro region_of(country_code, regions) -%}
    case
        {%- for region, countries in regions.items() %}
        when {{ country_code }} in ({% for country in countries %}{{ text_literal(country) }}{{ ', ' if not loop.last }}{% endfor %})
            then {{ text_literal(region) }}
        {%- endfor %}
        when {{ country_code }} is not null then 'other'
    end
{%- endmacro %}

{% macro band_lower_bound(expression, edges) -%}
    case
        {%- for edge in edges | reverse %}
        when {{ expression }} >= {{ edge }} then cast({{ edge }} as double)
        {%- endfor %}
    end
{%- endmacro %}

{% macro band_name(lower, upper, style) -%}
    {%- if style == 'money' -%}
        {%- set low = money_short(lower) -%}
        {{- return('$' ~ low ~ '+' if upper is none else '$' ~ low ~ '-$' ~ money_short(upper)) -}}
    {%- else -%}
        {%- set low = '{:,}'.format(lower | int) -%}
        {%- if upper is none -%}{{ return(low ~ '+') }}{%- endif -%}
        {%- set high = '{:,}'.format((upper | int) - 1) -%}
        {{- return(low if high == low else low ~ '-' ~ high) -}}
    {%- endif -%}
{%- endmacro %}

{% macro money_short(amount) -%}
    {%- for size, suffix in [(1000000000, 'B'), (1000000, 'M'), (1000, 'k')] -%}
        {%- if amount >= size -%}{{ return('{:g}'.format(amount / size) ~ suffix) }}{%- endif -%}
    {%- endfor -%}
    {{ return('{:g}'.format(amount)) }}
{%- endmacro %}

{# Per deal of `deals`, the latest date of `export_dates` on or before the day the deal was created:
   the snapshot export that describes the deal (never a later one). #}
{% macro latest_export_before_creation(deals, export_dates) -%}
    select
        {{ deals }}.opportunity_id,
        max({{ export_dates }}.export_date) as export_date
    from {{ deals }}
    inner join {{ export_dates }} on {{ deals }}.created_date >= {{ export_dates }}.export_date
    group by {{ deals }}.opportunity_id
{%- endmacro %}

{# How a group of opportunities converted: counts, win rate, pipeline, won amount and deal size, and
   days to win (tier_performance, play_performance). #}
{% macro opportunity_outcomes() -%}
    count(*) as opportunities,
    sum(case when is_closed then 1 else 0 end) as closed_opportunities,
    sum(case when is_won then 1 else 0 end) as won_opportunities,
    case
        when sum(case when is_closed then 1 else 0 end) > 0
            then cast(sum(case when is_won then 1 else 0 end) as double) / sum(case when is_closed then 1 else 0 end)
    end as win_rate,
    sum(case when not is_closed then amount else 0 end) as open_pipeline_amount,
    sum(case when is_won then amount else 0 end) as won_amount,
    avg(case when is_won then amount end) as avg_won_deal_size,
    median(case when is_won then {{ dbt.datediff('created_date', 'close_date', 'day') }} end) as median_days_to_win
{%- endmacro %}

{# The win rate's 95 % Wilson interval over the columns opportunity_outcomes() names. #}
{% macro win_rate_interval() -%}
    case when closed_opportunities > 0 then {{ wilson_bound('won_opportunities', 'closed_opportunities', -1) }} end
        as win_rate_low,
    case when closed_opportunities > 0 then {{ wilson_bound('won_opportunities', 'closed_opportunities', 1) }} end
        as win_rate_high
{%- endmacro %}
