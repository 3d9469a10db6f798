{#
  The as-of range a run scores, and the first day of the score series it needs: hysteresis looks
  back `hysteresis.lookback_days` plus `hysteresis.demotion_days`, and tier changes compare with
  the day before the range.

  The range comes from the environment (ABM_AS_OF_START / ABM_AS_OF_END, set from the Dagster
  partition range), read only when executing: dbt re-parses every file when --vars change, and
  every file that read a changed environment variable while parsing. The dates change every night;
  they shape no ref, config or dependency, so parsing never needs them.
#}
{% macro as_of_date(name, fallback) -%}
    {%- if not execute -%}
        {{ return('1970-01-01') }}
    {%- endif -%}
    {%- set value = env_var(name, '') or env_var(fallback, '') -%}
    {%- if not value -%}
        {{ exceptions.raise_compiler_error("Pass the as-of date: ABM_AS_OF_START=YYYY-MM-DD ABM_AS_OF_END=YYYY-MM-DD dbt build ...") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{% macro as_of_end() -%}
    cast('{{ as_of_date('ABM_AS_OF_END', 'ABM_AS_OF_START') }}' as date)
{%- endmacro %}

{% macro as_of_start() -%}
    cast('{{ as_of_date('ABM_AS_OF_START', 'ABM_AS_OF_END') }}' as date)
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
