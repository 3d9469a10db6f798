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

{% macro tier_name(rank) -%}
    case {{ rank }} when 3 then 'tier_1' when 2 then 'tier_2' when 1 then 'tier_3' else 'disqualified' end
{%- endmacro %}

{% macro tier_order(tier) -%}
    case {{ tier }} when 'tier_1' then 3 when 'tier_2' then 2 when 'tier_3' then 1 else 0 end
{%- endmacro %}
