-- The closed deals discovery learns from (closed within discovery.lookback_months of the run's end
-- date), each described by its account as the account export on or before the day the deal was
-- created showed it: never a later export, so nothing the deal itself changed leaks into its
-- description. A deal created before the first account export (or on an account that export did not
-- list) cannot be described: described_as_of is null and discovery leaves it out.
{%- set lookback_months = scoring('discovery.lookback_months') %}

with deals as (
    select * from {{ ref('int_opportunities_latest') }}
    where
        is_closed
        and created_date is not null
        and close_date > {{ dbt.dateadd('month', -lookback_months, as_of_end()) }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
    where export_date <= {{ as_of_end() }}
),

account_exports as (
    select distinct export_date from accounts
),

deal_exports as (
    {{ latest_export_before_creation('deals', 'account_exports') }}
),

needed_exports as (
    select distinct export_date from deal_exports
),

-- One record per account id and export (a CRM export may list a record twice across its files).
account_records as (
    select
        accounts.export_date,
        accounts.account_id,
        max(accounts.domain) as domain,
        max(accounts.industry) as industry,
        max(accounts.employees) as employees,
        max(accounts.annual_revenue) as annual_revenue,
        max(accounts.country_code) as country_code,
        max(accounts.custom_attributes) as custom_attributes
    from accounts
    inner join needed_exports on accounts.export_date = needed_exports.export_date
    group by accounts.export_date, accounts.account_id
),

described as (
    select
        deals.opportunity_id,
        deals.crm_account_id,
        deals.is_won,
        deals.amount,
        deals.created_date,
        deals.close_date,
        account_records.export_date as described_as_of,
        account_records.domain,
        account_records.industry,
        account_records.employees,
        account_records.annual_revenue,
        account_records.country_code,
        account_records.custom_attributes
    from deals
    left join deal_exports on deals.opportunity_id = deal_exports.opportunity_id
    left join account_records
        on
            deal_exports.export_date = account_records.export_date
            and deals.crm_account_id = account_records.account_id
)

select * from described
