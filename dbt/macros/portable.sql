{# DuckDB-specific functions behind dispatched macros, so another engine can supply its own. #}

{% macro regex_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'abm_tiering')(expression, pattern)) }}
{%- endmacro %}
{% macro default__regex_matches(expression, pattern) -%}
    regexp_like({{ expression }}, {{ pattern }})
{%- endmacro %}
{% macro duckdb__regex_matches(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ pattern }})
{%- endmacro %}

{% macro format_thousands(expression) -%}
    {{ return(adapter.dispatch('format_thousands', 'abm_tiering')(expression)) }}
{%- endmacro %}
{% macro default__format_thousands(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}
{% macro spark__format_thousands(expression) -%}
    format_number(cast({{ expression }} as bigint), 0)
{%- endmacro %}
{% macro duckdb__format_thousands(expression) -%}
    format('{:,}', cast({{ expression }} as bigint))
{%- endmacro %}

{% macro format_score(expression) -%}
    cast(cast(round({{ expression }}) as integer) as {{ dbt.type_string() }})
{%- endmacro %}

{# The value of `expression` from the row with the highest `order_by` in the group. #}
{% macro arg_max(expression, order_by) -%}
    {{ return(adapter.dispatch('arg_max', 'abm_tiering')(expression, order_by)) }}
{%- endmacro %}
{% macro default__arg_max(expression, order_by) -%}
    max_by({{ expression }}, {{ order_by }})
{%- endmacro %}
{% macro duckdb__arg_max(expression, order_by) -%}
    arg_max({{ expression }}, {{ order_by }})
{%- endmacro %}

{# The value of `expression` from the lowest-ranked row where it is filled (field survivorship). #}
{% macro first_filled(expression, rank_column) -%}
    {{ return(adapter.dispatch('first_filled', 'abm_tiering')(expression, rank_column)) }}
{%- endmacro %}
{% macro default__first_filled(expression, rank_column) -%}
    min_by({{ expression }}, case when {{ expression }} is not null then {{ rank_column }} end)
{%- endmacro %}
{% macro duckdb__first_filled(expression, rank_column) -%}
    arg_min({{ expression }}, {{ rank_column }}) filter (where {{ expression }} is not null)
{%- endmacro %}

{#
  HMAC-SHA-256 of a PII value under the operator's secret key, so BI tables can join on it without
  the value and nobody without the key can test guesses (names and domains make e-mail addresses
  easy to guess). The key reaches DuckDB as session variables set by the dbt_secrets plugin, never
  in SQL; a run without a key is refused before dbt starts.
#}
{% macro keyed_hash(expression) -%}
    {{ return(adapter.dispatch('keyed_hash', 'abm_tiering')(expression)) }}
{%- endmacro %}
{% macro default__keyed_hash(expression) -%}
    {{ exceptions.raise_compiler_error("keyed_hash: no HMAC implementation for this adapter yet") }}
{%- endmacro %}
{% macro duckdb__keyed_hash(expression) -%}
    case when {{ expression }} is not null then sha256(
        getvariable('abm_hmac_outer') || unhex(sha256(getvariable('abm_hmac_inner') || encode({{ expression }})))
    ) end
{%- endmacro %}

{% macro spark__keyed_hash(expression) -%}
    {#- The padded keys reach Spark as session settings from the profile (server_side_parameters), substituted when Spark parses. -#}
    case when {{ expression }} is not null then sha2(
        concat(unhex('${spark.abm.hmac_outer}'), unhex(sha2(concat(unhex('${spark.abm.hmac_inner}'), encode({{ expression }}, 'UTF-8')), 256))), 256
    ) end
{%- endmacro %}

{#
  A string as an SQL literal. DuckDB reads backslashes as they are and doubles quotes; Spark reads
  backslash escapes (so '\bchief\b' would be a backspace) and ends a literal at a doubled quote.
#}
{% macro text_literal(value) -%}
    {{ return(adapter.dispatch('text_literal', 'abm_tiering')(value)) }}
{%- endmacro %}
{% macro default__text_literal(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}
{% macro spark__text_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{#
  dbt-spark's listagg drops the order and gives '' for no rows; Spark 4's own listagg keeps both
  as DuckDB does (found through the dispatch search order in dbt_project.yml).
#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    listagg({{ measure }}, {{ delimiter_text }}){% if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}

{# One row per item of a delimited list (e.g. HubSpot's merged record ids); the delimiter is SQL: "';'". #}
{% macro split_to_rows(expression, delimiter) -%}
    {{ return(adapter.dispatch('split_to_rows', 'abm_tiering')(expression, delimiter)) }}
{%- endmacro %}
{# Spark's split takes a pattern: a delimiter that is a regex metacharacter would need escaping. #}
{% macro default__split_to_rows(expression, delimiter) -%}
    explode(split({{ expression }}, {{ delimiter }}))
{%- endmacro %}
{% macro duckdb__split_to_rows(expression, delimiter) -%}
    unnest(string_split({{ expression }}, {{ delimiter }}))
{%- endmacro %}

{# The separator of the name=value entries in a raw custom_attributes column (ASCII unit separator). #}
{% macro custom_attribute_separator() %}chr(31){% endmacro %}

{# The continuous `fraction` quantile of a group's values (linear interpolation, nulls ignored). #}
{% macro quantile_cont(expression, fraction) -%}
    {{ return(adapter.dispatch('quantile_cont', 'abm_tiering')(expression, fraction)) }}
{%- endmacro %}
{% macro default__quantile_cont(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}
{% macro duckdb__quantile_cont(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{# A date plus whole days, as a date and null-safe (dbt.dateadd gives a timestamp, and on Spark fails on a null). #}
{% macro add_days(date, days) -%}
    {{ return(adapter.dispatch('add_days', 'abm_tiering')(date, days)) }}
{%- endmacro %}
{% macro default__add_days(date, days) -%}
    cast({{ dbt.dateadd('day', days, date) }} as date)
{%- endmacro %}
{% macro duckdb__add_days(date, days) -%}
    (cast({{ date }} as date) + cast({{ days }} as integer))
{%- endmacro %}
{% macro spark__add_days(date, days) -%}
    date_add({{ date }}, cast({{ days }} as int))
{%- endmacro %}

{# Whole days from one date to another, null when either is (Spark's dbt.datediff fails on a null). #}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'abm_tiering')(start_date, end_date)) }}
{%- endmacro %}
{% macro default__days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}
{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}
