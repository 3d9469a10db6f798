{#
  After a Spark build, one empty Parquet file per built mart that holds its column types: a
  partitioned table with no rows (no tier changes yet) has no file at all, and the publish step,
  which reads the tables' Parquet, still needs its columns. DuckDB's tables carry their own.
#}
{% macro write_table_schemas(results) %}
    {{ return(adapter.dispatch('write_table_schemas', 'abm_tiering')(results)) }}
{% endmacro %}

{% macro default__write_table_schemas(results) %}{{ return('') }}{% endmacro %}

{% macro spark__write_table_schemas(results) %}
    {%- for result in results if result.node.resource_type == 'model' and result.status == 'success' and result.node.fqn[1] in ('marts', 'discovery', 'whatif') -%}
        {%- set relation = api.Relation.create(schema=result.node.schema, identifier=result.node.alias) -%}
        {%- do run_query(
            "insert overwrite directory '" ~ spark_location() ~ "/schemas/" ~ result.node.alias ~ "' using parquet select * from " ~ relation ~ " where false"
        ) -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}

{# Where a Spark build's tables and table schemas are: the data folder's spark/, or ABM_SPARK_URI. #}
{% macro spark_location() %}
    {{ return(env_var('ABM_SPARK_URI', '') or env_var('ABM_DATA_DIR', '../data') ~ '/spark') }}
{% endmacro %}
