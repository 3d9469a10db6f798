{# The plays from the rules as an inline table: one row per tier and per tier 2 cluster play. #}
{% macro plays_values() %}
    {%- set plays = scoring('plays') -%}
    {%- set rows = [] -%}
    {%- for key in tier_names() -%}
        {%- do rows.append((key, plays[key])) -%}
    {%- endfor -%}
    {%- for cluster, play in (plays['tier_2_clusters'] or {}).items() -%}
        {%- do rows.append(('tier_2:' ~ cluster, play)) -%}
    {%- endfor -%}
    {%- for key, play in rows %}
    select
        cast({{ sql_literal(key) }} as {{ dbt.type_string() }}) as play_key,
        cast({{ sql_literal(play['motion']) }} as {{ dbt.type_string() }}) as play_motion,
        cast({{ sql_literal(play['channels'] | join(', ')) }} as {{ dbt.type_string() }}) as play_channels,
        cast({{ sql_literal(play['cadence']) }} as {{ dbt.type_string() }}) as play_cadence,
        cast({{ sql_literal(play['owner_role']) }} as {{ dbt.type_string() }}) as play_owner_role,
        cast({{ play['sla_days'] }} as integer) as play_sla_days
    {{ "union all" if not loop.last }}
    {%- endfor %}
{% endmacro %}

{# outbound (the account team's touch) or inbound (the account's engagement): the export's own
   direction where it has one (HubSpot: OUTBOUND/INBOUND calls, EMAIL/INCOMING_EMAIL e-mails), else
   the activity type against adherence.outbound_activity_types. #}
{% macro activity_direction(direction_column, type_column) -%}
    case
        when lower({{ direction_column }}) in ('inbound', 'incoming', 'incoming_email', 'in') then 'inbound'
        when lower({{ direction_column }}) in ('outbound', 'outgoing', 'email', 'forwarded_email', 'out') then 'outbound'
        when lower({{ type_column }}) in {{ in_list('adherence.outbound_activity_types') }} then 'outbound'
        else 'inbound'
    end
{%- endmacro %}
