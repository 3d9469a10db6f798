{# The lineage every raw row carries, renamed for staging: which export, file and row it came from. #}
{% macro raw_metadata_columns() -%}
        _export_date as export_date,
        _source_file as source_file,
        _row_number as source_row_number
{%- endmacro %}
