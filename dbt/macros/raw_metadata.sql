{# The lineage every raw row carries, renamed for staging: which export, file and row it came from. #}
{% macro raw_metadata_columns(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
        {{ prefix }}_export_date as export_date,
        {{ prefix }}_source_file as source_file,
        {{ prefix }}_row_number as source_row_number
{%- endmacro %}
