{#
  The as-of range a run scores (vars as_of_start / as_of_end, from the Dagster partition range), and
  the first day of the score series it needs: hysteresis looks back `hysteresis.lookback_days`
  plus `hysteresis.demotion_days`, and tier changes compare with the day before the range.
#}
{% macro as_of_end() -%}
    {%- set value = var('as_of_end') or var('as_of_start') -%}
    {%- if value is none and execute -%}
        {{ exceptions.raise_compiler_error("Pass the as-of date: --vars '{as_of_start: YYYY-MM-DD, as_of_end: YYYY-MM-DD}'") }}
    {%- endif -%}
    cast('{{ value }}' as date)
{%- endmacro %}

{% macro as_of_start() -%}
    cast('{{ var('as_of_start') or var('as_of_end') }}' as date)
{%- endmacro %}

{% macro series_lookback_days() -%}
    {{ return((scoring('hysteresis.lookback_days') or 0) + (scoring('hysteresis.demotion_days') or 0)) }}
{%- endmacro %}

{% macro series_start() -%}
    {{ dbt.dateadd('day', -series_lookback_days() - 1, as_of_start()) }}
{%- endmacro %}

{# True for rows dated inside the run's as-of range: what an incremental run replaces. #}
{% macro in_as_of_range(column) -%}
    {{ column }} between {{ as_of_start() }} and {{ as_of_end() }}
{%- endmacro %}
