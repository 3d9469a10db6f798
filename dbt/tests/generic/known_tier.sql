{# Values that are not a tier of tier_names() (nor one of `also`, such as 'not_tiered'). #}
{% test known_tier(model, column_name, also=[]) %}
    select *
    from {{ model }}
    where {{ column_name }} not in ({% for name in tier_names() + also %}'{{ name }}'{{ ", " if not loop.last }}{% endfor %})
{% endtest %}
