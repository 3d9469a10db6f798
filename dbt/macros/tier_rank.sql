{#
  The tier a set of scores qualifies for (3 = tier_1, 2 = tier_2, 1 = tier_3, 0 = disqualified),
  with every threshold lowered by `margin` (the hysteresis demotion margin) when given. Fit and
  intent are separate axes: tier 1 needs both, so a perfect fit with no intent never qualifies.
#}
{% macro tier_rank(fit, intent, total, is_excluded, margin=0) -%}
    case
        when {{ is_excluded }} or {{ fit }} < {{ scoring('tiers.min_fit') }} then 0
        when {{ total }} >= {{ scoring('tiers.tier_1.min_total') - margin }}
            and {{ fit }} >= {{ scoring('tiers.tier_1.min_fit') - margin }}
            and {{ intent }} >= {{ scoring('tiers.tier_1.min_intent') - margin }} then 3
        when ({{ fit }} >= {{ scoring('tiers.tier_2.min_fit') - margin }}
                and {{ intent }} >= {{ scoring('tiers.tier_2.min_intent') - margin }})
            or {{ total }} >= {{ scoring('tiers.tier_2.min_total') - margin }} then 2
        else 1
    end
{%- endmacro %}

{# The tiers, best first: dagster_project/tiers.py's list, passed by the pipeline as the `tiers` var. #}
{% macro tier_names() -%}
    {%- set tiers = var('tiers', none) -%}
    {%- if tiers is none and execute -%}
        {{ exceptions.raise_compiler_error("The tier list is missing: run through `abm`, which passes it with the rules as --vars '{tiers: [...]}'") }}
    {%- endif -%}
    {{ return(tiers or []) }}
{%- endmacro %}

{# The rank of each tier (3 for the best), from tier_names(): what promotions, the next tier down and
   a family's best tier compare. #}
{% macro tier_order(tier) -%}
    case {{ tier }}
    {%- for name in tier_names() %} when '{{ name }}' then {{ tier_names() | length - loop.index }}{% endfor %} else 0 end
{%- endmacro %}

{% macro tier_name(rank) -%}
    case {{ rank }}
    {%- for name in tier_names()[:-1] %} when {{ tier_names() | length - loop.index }} then '{{ name }}'{% endfor %} else '{{ tier_names()[-1] }}' end
{%- endmacro %}
