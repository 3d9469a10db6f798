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
    cast('{{ series_start_day() }}' as date)
{%- endmacro %}

{# With a review calendar the series reaches back to the latest review on or before the range
   (macros/review.sql): the tier an account holds since that review is the highest it reached. #}
{% macro series_start_day() -%}
    {%- set start = modules.datetime.date.fromisoformat(as_of_date('ABM_AS_OF_START', 'ABM_AS_OF_END')) -%}
    {%- set reviews = review_dates() -%}
    {%- if reviews and reviews[0] < start -%}
        {%- set start = reviews[0] -%}
    {%- endif -%}
    {{ return(start - modules.datetime.timedelta(days=series_lookback_days() + 1)) }}
{%- endmacro %}

{# The first day the run scores: the series start, or the day after the remembered look-back days it
   begins with (macros/remembered.sql). Reads of exports start from here: a remembered day needs none.
   For models upstream of int_account_ranks_remembered only, which adds this run's days to what is
   remembered. #}
{% macro scored_series_start() -%}
    {%- set first = namespace(day=series_start_day()) -%}
    {%- for day in remembered_score_dates() -%}
        {%- if day == first.day.isoformat() -%}
            {%- set first.day = first.day + modules.datetime.timedelta(days=1) -%}
        {%- endif -%}
    {%- endfor -%}
    cast('{{ first.day }}' as date)
{%- endmacro %}

{# True for rows dated inside the run's as-of range: what an incremental run replaces. #}
{% macro in_as_of_range(column) -%}
    {{ column }} between {{ as_of_start() }} and {{ as_of_end() }}
{%- endmacro %}
