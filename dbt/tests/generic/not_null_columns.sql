{# The columns that hold an empty value, with how many rows: one scan for all of a model's
   required columns instead of a test (and a dbt node) per column. #}
{% test not_null_columns(model, columns) %}
    with empty as (
        select
            {%- for column in columns %}
            sum(case when {{ column }} is null then 1 else 0 end) as empty_{{ loop.index }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ model }}
    )

    {% for column in columns -%}
        select '{{ column }}' as column_name, empty_{{ loop.index }} as empty_rows from empty where empty_{{ loop.index }} > 0
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
{% endtest %}
