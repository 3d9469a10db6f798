with source as (
    select * from {{ raw_source('crm_accounts') }}
),

-- ISO 3166 codes from every spelling CRMs export (codes, names, local names), compared lower-cased and
-- without apostrophes (Côte d'Ivoire; Spark reads a quote inside a seed's literal differently); an
-- unknown spelling passes through upper-cased, for the raw suite's content check to have named it
country_spellings as (
    select * from {{ ref('country_spellings') }}
),

renamed as (
    select
        source.account_id,
        source.account_name,
        source.website,
        source.domain,
        source.industry,
        source.employees,
        source.annual_revenue,
        coalesce(country_spellings.country_code, nullif(upper(trim(source.country)), '')) as country_code,
        source.state,
        source.account_type,
        source.owner_id,
        source.parent_id,
        coalesce(source.is_deleted, false) as is_deleted,
        source.merged_into_id,
        source.merged_record_ids,
        source.last_activity_date,
        source.created_date,
        source.last_modified_date,
        source.custom_attributes,
        {{ raw_metadata_columns('source') }}
    from source
    left join country_spellings
        on replace(lower(trim(source.country)), {{ sql_literal("'") }}, '') = country_spellings.spelling
)

select * from renamed
