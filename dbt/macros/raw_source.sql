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
            cast(null as {{ column.data_type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where 1 = 0)
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{% endmacro %}

{% macro abm_raw_files_exist(table_name) %}
    {%- set pattern = env_var('ABM_DATA_DIR', '../data') ~ '/raw/' ~ table_name ~ '/*/*.parquet' -%}
    {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{% endmacro %}
