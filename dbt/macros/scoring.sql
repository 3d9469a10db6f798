{#
  Access to the scoring rules (config/scoring.yml), passed by the pipeline as the `scoring` var.
  scoring('intent.half_life_days') returns one value; the *_values macros turn a mapping or list
  from the file into a small inline table so models join rules instead of hard-coding them.
#}
{% macro scoring(path) %}
    {%- set config = var('scoring') -%}
    {%- if config is none -%}
        {%- if execute -%}
            {{ exceptions.raise_compiler_error("The scoring rules are missing: run through `abm` (which validates config/scoring.yml) or pass them with --vars '{scoring: ...}'") }}
        {%- endif -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set ns = namespace(value=config) -%}
    {%- for part in path.split('.') -%}
        {%- set ns.value = ns.value[part] -%}
    {%- endfor -%}
    {{ return(ns.value) }}
{% endmacro %}

{# Each score's most points (score_caps in the rules; total is their sum, 100): the scores' models
   cap with it, the explanations show it and the within_score_cap test reads it. #}
{% macro score_cap(score) -%}
    {%- set caps = scoring('score_caps') or {} -%}
    {{ return(caps.values() | sum if score == 'total' else caps[score]) }}
{%- endmacro %}

{% macro sql_literal(value) -%}
    {%- if value is none -%} null
    {%- elif value is string -%} {{ text_literal(value) }}
    {%- elif value is sameas true or value is sameas false -%} {{ 'true' if value else 'false' }}
    {%- else -%} {{ value }}
    {%- endif -%}
{%- endmacro %}

{# A two-column inline table from a mapping in the rules: {key: value} -> (key_name, value_name). #}
{% macro mapping_values(path, key_name, value_name, value_type='double') %}
    {{- mapping_values_of(scoring(path) or {}, key_name, value_name, value_type) -}}
{% endmacro %}

{# The same from a mapping given in the model. #}
{% macro mapping_values_of(mapping, key_name, value_name, value_type='double') %}
    {%- if mapping | length == 0 -%}
        select cast(null as {{ dbt.type_string() }}) as {{ key_name }}, cast(null as {{ value_type }}) as {{ value_name }} where 1 = 0
    {%- else -%}
        {%- for key, value in mapping.items() %}
        select cast({{ sql_literal(key) }} as {{ dbt.type_string() }}) as {{ key_name }}, cast({{ sql_literal(value) }} as {{ value_type }}) as {{ value_name }}
        {{ "union all" if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}

{# A one-column inline table from a list. #}
{% macro list_values(path, column_name) %}
    {%- set items = scoring(path) or [] -%}
    {%- if items | length == 0 -%}
        select cast(null as {{ dbt.type_string() }}) as {{ column_name }} where 1 = 0
    {%- else -%}
        {%- for item in items %}
        select cast({{ sql_literal(item) }} as {{ dbt.type_string() }}) as {{ column_name }}
        {{ "union all" if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}

{# Bands [{min, points}] -> (band_min, band_max, points); band_max is exclusive, null for the last. #}
{% macro band_values(path) %}
    {%- set bands = scoring(path) -%}
    {%- for band in bands %}
        select cast({{ band['min'] }} as double) as band_min,
               cast({{ bands[loop.index]['min'] if not loop.last else 'null' }} as double) as band_max,
               cast({{ band['points'] }} as double) as points
        {{ "union all" if not loop.last }}
    {%- endfor -%}
{% endmacro %}

{# A SQL list literal for IN (...) from a list in the rules. #}
{% macro in_list(path) -%}
    {%- set items = scoring(path) or [] -%}
    {%- if items | length == 0 -%} (null)
    {%- else -%} ({% for item in items %}{{ sql_literal(item) }}{{ ", " if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}


{# True when the title matches any of the case-insensitive regular expressions in `patterns`. #}
{% macro title_matches_any(title_column, patterns) -%}
    (
    {%- for pattern in patterns %}
        {{ regex_matches('lower(coalesce(' ~ title_column ~ ", ''))", sql_literal(pattern)) }}{{ " or" if not loop.last }}
    {%- else %} false
    {%- endfor %}
    )
{%- endmacro %}

{# Engagement points (0-20): capped activity points plus capped points per verified decision-maker. #}
{% macro activity_points(raw_points) -%}
    least({{ scoring('engagement.max_activity_points') }}, coalesce({{ raw_points }}, 0))
{%- endmacro %}
{% macro decision_maker_points(verified_decision_makers) -%}
    least(
        {{ scoring('engagement.max_decision_maker_points') }},
        {{ scoring('engagement.points_per_verified_decision_maker') }} * coalesce({{ verified_decision_makers }}, 0)
    )
{%- endmacro %}

{# A comma-separated list of SQL literals, for `in (...)`. #}
{% macro literal_list(values) -%}
    {%- for value in values %}{{ sql_literal(value) }}{{ ", " if not loop.last }}{% endfor -%}
{%- endmacro %}
