{#
  A raw source as a relation, or an empty relation of the documented columns when no export of that
  source has been loaded yet (optional sources such as email_verifications).
#}
{% macro raw_source(table_name) %}
    {%- set relation = source('raw', table_name) -%}
    {%- if execute and not abm_raw_files_exist(table_name) -%}
        {%- set node = graph.sources['source.abm_tiering.raw.' ~ table_name] -%}
        (select
        {%- for name, column in node.columns.items() %}
            cast(null as {{ dbt.type_string() if column.data_type == 'varchar' else column.data_type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where 1 = 0)
    {%- else -%}
        {{ raw_relation(relation, table_name) }}
    {%- endif -%}
{% endmacro %}

{# DuckDB reads the source's external_location; Spark reads the source's folder of Parquet as it is. #}
{% macro raw_relation(relation, table_name) %}
    {{ return(adapter.dispatch('raw_relation', 'abm_tiering')(relation, table_name)) }}
{% endmacro %}
{% macro default__raw_relation(relation, table_name) %}{{ relation }}{% endmacro %}
{% macro spark__raw_relation(relation, table_name) -%}
    parquet.`{{ raw_location() }}/{{ table_name }}`
{%- endmacro %}

{# Where the raw layer is: the data folder's raw/, or ABM_RAW_URI (an object-store URI a cluster reads). #}
{% macro raw_location() %}
    {{ return(env_var('ABM_RAW_URI', '') or env_var('ABM_DATA_DIR', '../data') ~ '/raw') }}
{% endmacro %}

{% macro abm_raw_files_exist(table_name) %}
    {{ return(adapter.dispatch('abm_raw_files_exist', 'abm_tiering')(table_name)) }}
{% endmacro %}
{% macro default__abm_raw_files_exist(table_name) %}
    {%- set pattern = raw_location() ~ '/' ~ table_name ~ '/*/*.parquet' -%}
    {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{% endmacro %}
{# Spark SQL cannot list files: the pipeline names the loaded sources (ABM_RAW_SOURCES); by hand, all are. #}
{% macro spark__abm_raw_files_exist(table_name) %}
    {%- set loaded = env_var('ABM_RAW_SOURCES', '') -%}
    {{ return(not loaded or table_name in loaded.split(',')) }}
{% endmacro %}

{#
  The stored history a what-if compares with: a Parquet file `abm whatif` writes into its scratch
  folder (the data folder of the replay). DuckDB reads it through the source's external_location,
  Spark reads the file as it is.
#}
{% macro whatif_baseline() %}
    {%- set relation = source('whatif', 'baseline_tier_history') -%}
    {{ return(adapter.dispatch('whatif_baseline', 'abm_tiering')(relation)) }}
{% endmacro %}
{% macro default__whatif_baseline(relation) %}{{ return(relation) }}{% endmacro %}
{% macro spark__whatif_baseline(relation) %}
    {{ return('parquet.`' ~ env_var('ABM_DATA_DIR', '../data') ~ '/baseline_tier_history.parquet`') }}
{% endmacro %}
