-- Every attribute value of every described deal, one row each: firmographics, bands and sales region
-- of the account as of the deal's creation and the columns the mapping file adds (custom.<name>), each
-- technology and technology category of the technographic export on or before that day, each intent
-- topic that surged in the discovery.intent_window_days before it, and the band of the account's
-- activity points in the engagement.lookback_days before it. Technologies, categories and topics are
-- multi-valued (a deal may have several; each is weighed as present or absent).
{%- set bands = scoring('discovery') %}
{%- set intent_window = scoring('discovery.intent_window_days') %}
{%- set activity_lookback = scoring('engagement.lookback_days') %}

with deals as (
    select * from {{ ref('int_opportunity_accounts_as_of') }}
    where described_as_of is not null
),

detections as (
    select * from {{ ref('stg_technographics__detections') }}
    where export_date <= {{ as_of_end() }}
),

detection_exports as (
    select distinct export_date from detections
),

technographic_exports as (
    {{ latest_export_before_creation('deals', 'detection_exports') }}
),

deal_technologies as (
    select distinct
        deals.opportunity_id,
        deals.is_won,
        detections.technology,
        detections.category
    from deals
    inner join technographic_exports on deals.opportunity_id = technographic_exports.opportunity_id
    inner join detections
        on
            technographic_exports.export_date = detections.export_date
            and deals.domain = detections.domain
            and (detections.first_detected is null or deals.created_date >= detections.first_detected)
),

signals as (
    select * from {{ ref('stg_intent__signals') }}
    where score >= {{ scoring('intent.min_signal_score') }} and export_date <= {{ as_of_end() }}
),

deal_topics as (
    select distinct
        deals.opportunity_id,
        deals.is_won,
        signals.topic
    from deals
    inner join signals
        on
            deals.domain = signals.domain
            and deals.created_date >= signals.export_date
            and deals.created_date >= signals.signal_date
            and signals.signal_date > {{ dbt.dateadd('day', -intent_window, 'deals.created_date') }}
),

activity_points as ({{ mapping_values('engagement.activity_points', 'activity_type', 'points') }}),

activities as (
    select
        stg.account_id,
        stg.domain,
        stg.activity_date,
        stg.export_date,
        coalesce(activity_points.points, 0) as points
    from {{ ref('stg_crm__activities') }} as stg
    left join activity_points on stg.activity_type = activity_points.activity_type
    where stg.export_date <= {{ as_of_end() }}
),

-- Activities carry the CRM account id, or only a domain: matched by one, else the other.
deal_activities as (
    select
        deals.opportunity_id,
        activities.points
    from deals
    inner join activities
        on deals.crm_account_id = activities.account_id
    where
        activities.export_date <= deals.created_date
        and activities.activity_date <= deals.created_date
        and activities.activity_date > {{ dbt.dateadd('day', -activity_lookback, 'deals.created_date') }}
    union all
    select
        deals.opportunity_id,
        activities.points
    from deals
    inner join activities
        on activities.account_id is null and deals.domain = activities.domain
    where
        activities.export_date <= deals.created_date
        and activities.activity_date <= deals.created_date
        and activities.activity_date > {{ dbt.dateadd('day', -activity_lookback, 'deals.created_date') }}
),

deal_engagement as (
    select
        deals.opportunity_id,
        deals.is_won,
        coalesce(sum(deal_activities.points), 0) as activity_points
    from deals
    left join deal_activities on deals.opportunity_id = deal_activities.opportunity_id
    group by deals.opportunity_id, deals.is_won
),

-- The columns the mapping file adds: each name is an attribute, 'unknown' on a deal whose account
-- lacked it.
custom_entries as (
    select
        opportunity_id,
        {{ split_to_rows('custom_attributes', custom_attribute_separator()) }} as entry
    from deals
    where custom_attributes is not null
),

custom_values as (
    select
        opportunity_id,
        {{ dbt.split_part('entry', "'='", 1) }} as name,
        substr(entry, length({{ dbt.split_part('entry', "'='", 1) }}) + 2) as value
    from custom_entries
),

custom_names as (
    select distinct name from custom_values
),

deal_custom_attributes as (
    select
        deals.opportunity_id,
        deals.is_won,
        custom_names.name,
        coalesce(max(custom_values.value), 'unknown') as value
    from deals
    cross join custom_names
    left join custom_values
        on deals.opportunity_id = custom_values.opportunity_id and custom_names.name = custom_values.name
    group by deals.opportunity_id, deals.is_won, custom_names.name
),

listed as (
    select
        opportunity_id,
        is_won,
        'industry' as attribute,
        coalesce(industry, 'unknown') as value,
        cast(null as double) as band_min
    from deals
    union all
    select
        opportunity_id,
        is_won,
        'employee_band' as attribute,
        coalesce({{ band_label('employees', bands.employee_bands) }}, 'unknown') as value,
        {{ band_lower_bound('employees', bands.employee_bands) }} as band_min
    from deals
    union all
    select
        opportunity_id,
        is_won,
        'revenue_band' as attribute,
        coalesce({{ band_label('annual_revenue', bands.revenue_bands, 'money') }}, 'unknown') as value,
        {{ band_lower_bound('annual_revenue', bands.revenue_bands) }} as band_min
    from deals
    union all
    select
        opportunity_id,
        is_won,
        'country' as attribute,
        coalesce(country_code, 'unknown') as value,
        cast(null as double) as band_min
    from deals
    union all
    select
        opportunity_id,
        is_won,
        'region' as attribute,
        coalesce({{ region_of('country_code', bands.regions) }}, 'unknown') as value,
        cast(null as double) as band_min
    from deals
    union all
    select
        opportunity_id,
        is_won,
        'engagement_band' as attribute,
        {{ band_label('activity_points', bands.engagement_bands) }} as value,
        {{ band_lower_bound('activity_points', bands.engagement_bands) }} as band_min
    from deal_engagement
    union all
    select
        opportunity_id,
        is_won,
        'technology' as attribute,
        technology as value,
        cast(null as double) as band_min
    from deal_technologies
    union all
    select distinct
        opportunity_id,
        is_won,
        'technology_category' as attribute,
        category as value,
        cast(null as double) as band_min
    from deal_technologies
    where category is not null
    union all
    select
        opportunity_id,
        is_won,
        'intent_topic' as attribute,
        topic as value,
        cast(null as double) as band_min
    from deal_topics
    union all
    select
        opportunity_id,
        is_won,
        'custom.' || name as attribute,
        value,
        cast(null as double) as band_min
    from deal_custom_attributes
)

select
    opportunity_id,
    is_won,
    attribute,
    value,
    band_min,
    attribute in ('technology', 'technology_category', 'intent_topic') as is_multi_valued
from listed
