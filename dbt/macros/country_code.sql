{# ISO 3166 alpha-2 codes from the spellings CRMs export (codes pass through upper-cased). #}
{% macro country_code(expression) -%}
    case lower(trim({{ expression }}))
        when 'united states' then 'US' when 'united states of america' then 'US' when 'usa' then 'US'
        when 'united kingdom' then 'GB' when 'uk' then 'GB' when 'great britain' then 'GB'
        when 'germany' then 'DE' when 'deutschland' then 'DE' when 'canada' then 'CA'
        when 'france' then 'FR' when 'australia' then 'AU' when 'netherlands' then 'NL'
        when 'india' then 'IN' when 'brazil' then 'BR' when 'spain' then 'ES' when 'italy' then 'IT'
        when 'russia' then 'RU' when 'russian federation' then 'RU' when 'iran' then 'IR'
        when 'north korea' then 'KP' when 'cuba' then 'CU' when 'japan' then 'JP'
        else nullif(upper(trim({{ expression }})), '')
    end
{%- endmacro %}
