{# Scores outside 0 to their cap (score_cap: fit, intent, engagement or total). #}
{% test within_score_cap(model, column_name, score) %}
    select *
    from {{ model }}
    where {{ column_name }} < 0 or {{ column_name }} > {{ score_cap(score) }}
{% endtest %}
