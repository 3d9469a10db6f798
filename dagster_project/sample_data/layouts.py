"""How each source's export looks on a given day: the tool that wrote it, its headers and file format.

Queries are `string.Template`s over the generator's `companies` and `contacts` tables; `$d` is the
export date, `$k` the day's index in the sample, `$days` the sample's length and `$accounts` the
number of companies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CSV = "format csv, header true"
# Salesforce's report export (Export > Details Only > CSV): every value quoted, then a footer.
SALESFORCE_REPORT_CSV = "format csv, header true, force_quote *"
SALESFORCE_REPORT_FOOTER = (
    '""',
    '""',
    '"Confidential Information - Do Not Distribute"',
    '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."',
)


@dataclass(frozen=True)
class Layout:
    file_name: str
    query: str
    copy_options: str = CSV
    byte_order_mark: bool = False
    crlf: bool = False  # Windows line endings, as a spreadsheet saves them
    footer: tuple[str, ...] = ()
    xlsx: bool = False  # written as the first sheet of a workbook, cells typed


_MESSY_WEBSITE = """
    case cast(floor(u('web', i) * 6) as integer)
        when 0 then domain when 1 then 'www.' || domain when 2 then 'https://' || domain
        when 3 then 'https://www.' || domain || '/' when 4 then upper('http://www.' || domain)
        else domain || '.'
    end"""

# Every account, plus a second record under another name for ~3% of companies (a CRM duplicate).
_CRM_ACCOUNTS = f"""
    select account_id, account_name, {_MESSY_WEBSITE} as website, industry, employees, annual_revenue,
           country, state, account_type, owner_id, parent_account_id as parent_id, is_deleted,
           date '$d' - cast(floor(u('la', i) * 60) as integer) as last_activity_date, created_date,
           case when u('desc', i) < 0.2 then 'Leading ' || lower(coalesce(industry, 'services'))
                || ' company, founded ' || cast(1950 + i % 70 as varchar) || '.' || chr(10) || 'Key account, see notes'
           end as description,
           case when u('bad', i * 1000 + $k) < 0.001 then 'approx. ' || cast(employees as varchar)
                else cast(employees as varchar) end as employees_text,
           pick(account_sources(), 'asrc', i) as account_source
    from companies
    union all
    select abm_salesforce_id('0015gz' || lpad(cast(i as varchar), 9, '0')), upper(account_name) || ', INC.',
           'https://WWW.' || upper(domain) || '/about', null, employees, null, country, null, 'Prospect',
           owner_id, null, false, date '$d' - 400, created_date - 900, null, cast(employees as varchar), null
    from companies where has_duplicate
    order by account_id
"""

_SF_ACCOUNT_COLUMNS = """
    account_id as "Id", account_name as "Name", website as "Website", industry as "Industry",
    employees_text as "NumberOfEmployees", annual_revenue as "AnnualRevenue", country as "BillingCountry",
    state as "BillingState", account_type as "Type", owner_id as "OwnerId", parent_id as "ParentId",
    is_deleted as "IsDeleted", last_activity_date as "LastActivityDate",
    strftime(created_date, '%Y-%m-%dT%H:%M:%S.000Z') as "CreatedDate", description as "Description",
    account_source as "AccountSource"
"""

_CRM_CONTACTS = """
    select *, case when missing_email then null
                   else lower(first_name || '.' || replace(last_name, 'ü', 'ue')) || '@' || domain end as email,
           case when is_bounced then date '$d' - cast(floor(u('bd', i) * 300) as integer) end as bounced_date
    from contacts
"""

_OPPORTUNITIES = """
    select opportunity_id, account_id,
           account_name || ' - ' || case j when 0 then 'New Business' else 'Expansion' end as opportunity_name,
           case
               when created_date + cycle_days <= date '$d' then case when will_win then 'Closed Won' else 'Closed Lost' end
               else ['Prospecting', 'Qualification', 'Proposal', 'Negotiation'][
                   1 + least(3, cast(floor(4 * (date '$d' - created_date) / cycle_days) as integer))]
           end as stage,
           amount, created_date + cycle_days as close_date,
           created_date + cycle_days <= date '$d' as is_closed,
           created_date + cycle_days <= date '$d' and will_win as is_won,
           created_date
    from opportunities
    where created_date <= date '$d'
    order by opportunity_id
"""

_ACTIVITIES = """
    select 'ACT-' || $k || '-' || i as activity_id,
           case when u('adom', i * 1000 + $k) < 0.8 then account_id end as account_id,
           case when u('adom', i * 1000 + $k) >= 0.8 then 'www.' || domain end as email_domain,
           pick(activity_types(), 'aty', i * 1000 + $k) as activity_type,
           date '$d' as activity_date
    from companies
    where engagement_propensity > 0.55 and u('aday', i * 1000 + $k) < (engagement_propensity - 0.55) * 0.6
    union all
    -- a meeting booked ahead: dated after the export, it counts from its own date on
    select 'MTG-' || $k || '-' || i, account_id, null, 'meeting',
           date '$d' + 1 + cast(floor(u('ahead', i * 1000 + $k) * 10) as integer)
    from companies
    where engagement_propensity > 0.9 and u('book', i * 1000 + $k) < 0.05
    union all
    -- the account team's own touches: some owners work their book far more often than others
    select 'OUT-' || $k || '-' || i, account_id, null,
           case when u('och', i * 1000 + $k) < 0.6 then 'email' else 'call' end, date '$d'
    from companies
    where u('out', i * 1000 + $k) < 0.02 + 0.2 * owner_diligence(i)
    union all
    select 'TRG-' || i, account_id, null, trigger_event, date '$d'
    from companies
    where trigger_event is not null and cast(floor(u('trgday', i) * $days) as integer) = $k
    order by activity_id
"""

_TECHNOLOGIES = """
    with slots as (
        select c.*, cast(floor(u('tech', i * 16 + j) * 16) as integer) as t
        from companies c, unnest(range(cast(floor(u('ntech', i) * 6) as integer))) s(j)
    )
    select distinct i, domain, fit_technologies()[1 + t] as technology, tech_categories()[1 + t] as category,
           least(created_date + cast(floor(u('fd', i * 16 + t) * 300) as integer), date '$d') as first_detected,
           date '$d' - cast(floor(u('ld', i * 16 + t) * 20) as integer) as last_detected,
           cast(floor(u('inten', i * 16 + t) * 10) as integer) as intensity
    from slots
    order by i, technology
"""

# Weekly Bombora-style surge over every tracked topic: each in-market company surges on one scored
# topic around its surge_center.
_BOMBORA = """
    with weekly as (
        select c.*, t.topic,
               least(99, round(intent_base + case when t.topic = surge_topic then
                   surge_amplitude * exp(-pow((date_diff('day', surge_center, date '$d')) / 10.0, 2)) else
                   15 * u('tn', i * 100 + $k) end)) as composite
        from companies c, unnest(tracked_topics()) t(topic)
        where has_intent
    )
    -- The comprehensive export has no date column (the delivery is the week) and repeats a company x
    -- topic once per metro area, with the same company-level Composite Score on each row.
    select account_name as "Company Name", domain as "Domain",
           case when employees < 200 then 'Small' when employees < 1000 then 'Medium' else 'Large' end
               as "Company Size",
           coalesce(industry, 'Unknown') as "Industry", 'T' || (hash(topic) % 9000 + 1000) as "Topic ID",
           topic as "Topic Name", cast(composite as integer) as "Composite Score",
           cast(floor(u('dl', i * 100 + $k) * 20) - 5 as integer) as "Composite Score Delta",
           metro_areas()[1 + (i + m) % len(metro_areas())] as "Metro Area",
           cast(composite as integer) - m * 3 as "MetroCompositeScore",
           cast(floor(u('mdl', i * 100 + $k + m) * 20) - 5 as integer) as "MetroCompositeScoreDelta"
    from (
        select *, 0 as m from weekly where composite >= 35
        union all
        select weekly.*, extra.m from weekly, (values (1), (2)) as extra(m)
        where composite >= 35 and u('metro', i * 100 + hash(topic) % 97) < 0.06
    )
    order by i, topic, m
"""

_FIRST_PARTY_INTENT = """
    select upper('www.' || domain) as domain, surge_topic as topic,
           cast(40 + floor(55 * u('fps', i * 1000 + $k)) as integer) as score, date '$d' as date
    from companies
    where has_intent and u('fp', i * 1000 + $k) < 0.08
    order by i
"""

_VERIFICATIONS = """
    select lower(first_name || '.' || replace(last_name, 'ü', 'ue')) || '@' || domain as email,
           case when is_bounced then 'invalid' else pick(verifier_results(), 'vr', i * 64 + length(contact_id)) end
               as result,
           strftime(date '$d' - cast(floor(u('vd', i * 64 + length(contact_id)) * 400) as integer), '%m/%d/%Y')
               as checked_at
    from contacts
    where r_verify < 0.5 and not missing_email
    order by contact_id
"""

# The account owners (the 12 user ids accounts are given), as Salesforce's User export writes them; the
# last has left the company since.
_USERS = """
    select abm_salesforce_id('0055g' || lpad(cast(k as varchar), 10, '0')) as "Id",
           pick(first_names(), 'ufn', k) || ' ' || pick(last_names(), 'uln', k) as "Name",
           pick(first_names(), 'ufn', k) as "FirstName", pick(last_names(), 'uln', k) as "LastName",
           lower(pick(first_names(), 'ufn', k) || '.' || pick(last_names(), 'uln', k)) || '@example-vendor.com' as "Email",
           k < 11 as "IsActive"
    from range(12) t(k)
    order by k
"""

LAYOUTS: dict[str, dict[str, Layout]] = {
    "crm_accounts": {
        "salesforce": Layout("Account.csv", f"select {_SF_ACCOUNT_COLUMNS} from ({_CRM_ACCOUNTS})"),
        "salesforce_gzip": Layout(
            "Account_extract.csv.gz", f"select {_SF_ACCOUNT_COLUMNS} from ({_CRM_ACCOUNTS})", CSV + ", compression gzip"
        ),
        "salesforce_loader": Layout(
            "accounts.parquet",
            f"""select account_id as id, account_name as name, website, industry,
                       employees as number_of_employees, annual_revenue, country as billing_country,
                       state as billing_state, account_type as type, owner_id, parent_id, is_deleted,
                       last_activity_date, created_date, account_source
                from ({_CRM_ACCOUNTS})""",
            "format parquet",
        ),
        "salesforce_report": Layout(
            "report1764201600000.csv",
            f"""select left(account_id, 15) as "Account ID", account_name as "Account Name",
                       website as "Website", industry as "Industry",
                       format('{{:,}}', employees) as "Employees",
                       format('{{:,.2f}}', annual_revenue) as "Annual Revenue", country as "Billing Country",
                       state as "Billing State/Province", account_type as "Type",
                       left(owner_id, 15) as "Account Owner ID",
                       left(parent_id, 15) as "Parent Account ID", account_source as "Account Source",
                       strftime(created_date, '%-m/%-d/%Y') as "Created Date",
                       strftime(last_activity_date, '%-m/%-d/%Y') as "Last Activity"
                from ({_CRM_ACCOUNTS}) where not is_deleted""",
            SALESFORCE_REPORT_CSV,
            footer=SALESFORCE_REPORT_FOOTER,
        ),
        # A HubSpot export opened and re-saved by a spreadsheet in a European locale: BOM, `;`,
        # Windows line endings, `.` grouping and `,` decimals, DD.MM.YYYY dates.
        "hubspot_ui_eu": Layout(
            "hubspot-crm-exports-all-companies-bearbeitet.csv",
            f"""select account_id as "Record ID", account_name as "Company name",
                       website as "Company Domain Name", industry as "Industry",
                       replace(format('{{:,}}', employees), ',', '.') as "Number of Employees",
                       translate(format('{{:,.2f}}', annual_revenue), ',.', '.,') as "Annual Revenue",
                       country as "Country/Region", parent_id as "Parent Company",
                       strftime(created_date, '%d.%m.%Y') as "Create Date",
                       strftime(last_activity_date, '%d.%m.%Y %H:%M') as "Last Activity Date"
                from ({_CRM_ACCOUNTS}) where not is_deleted""",
            "format csv, header true, delimiter ';'",
            byte_order_mark=True,
            crlf=True,
        ),
        "hubspot_ui": Layout(
            "hubspot-crm-exports-all-companies.csv",
            f"""select account_id as "Record ID", account_name as "Company name",
                       website as "Company Domain Name", industry as "Industry",
                       format('{{:,}}', employees) as "Number of Employees",
                       annual_revenue as "Annual Revenue", country as "Country/Region",
                       parent_id as "Parent Company",
                       strftime(created_date, '%m/%d/%Y') as "Create Date",
                       strftime(last_activity_date, '%m/%d/%Y') as "Last Activity Date"
                from ({_CRM_ACCOUNTS}) where not is_deleted""",
            byte_order_mark=True,
        ),
    },
    "crm_contacts": {
        "salesforce": Layout(
            "Contact.csv",
            f"""select contact_id as "Id", account_id as "AccountId", first_name as "FirstName",
                       last_name as "LastName", email as "Email", title as "Title",
                       pick(departments(), 'dep', i) as "Department", is_bounced as "IsEmailBounced",
                       bounced_date as "EmailBouncedDate",
                       case when is_bounced then '550 5.1.1 mailbox unavailable' end as "EmailBouncedReason",
                       last_activity_date as "LastActivityDate", opted_out as "HasOptedOutOfEmail",
                       false as "IsDeleted", has_left as "No_Longer_With_Company__c",
                       strftime(date '$d', '%Y-%m-%dT02:00:00.000Z') as "LastModifiedDate"
                from ({_CRM_CONTACTS})""",
        ),
        "hubspot_ui": Layout(
            "hubspot-crm-exports-all-contacts.csv",
            f"""select contact_id as "Record ID", first_name as "First Name", last_name as "Last Name",
                       email as "Email", title as "Job Title",
                       -- a few contacts are associated with a second company, listed after the primary
                       account_id || case when u('assoc', hub.i) < 0.02
                           then ';' || (select c2.account_id from companies c2 where c2.i = (hub.i + 1) % $accounts)
                           else '' end as "Associated Company IDs",
                       strftime(last_activity_date, '%m/%d/%Y') as "Last Activity Date",
                       case when is_bounced then 'Hard bounce: mailbox unavailable' end as "Email hard bounce reason"
                from ({_CRM_CONTACTS}) hub where not has_left""",
            "format csv, header true, delimiter ';'",
            byte_order_mark=True,
        ),
    },
    "crm_opportunities": {
        "salesforce": Layout(
            "Opportunity.csv",
            f"""select opportunity_id as "Id", account_id as "AccountId", opportunity_name as "Name",
                       stage as "StageName", amount as "Amount", close_date as "CloseDate",
                       is_closed as "IsClosed", is_won as "IsWon", created_date as "CreatedDate"
                from ({_OPPORTUNITIES})""",
        ),
        "salesforce_report_xlsx": Layout(
            "Opportunities with Accounts-2026-11-27-06-00-00.xlsx",
            f"""select left(opportunity_id, 15) as "Opportunity ID", left(account_id, 15) as "Account ID",
                       opportunity_name as "Opportunity Name", stage as "Stage", amount as "Amount",
                       close_date as "Close Date", cast(is_closed as integer) as "Closed",
                       cast(is_won as integer) as "Won", created_date as "Created Date"
                from ({_OPPORTUNITIES})""",
            xlsx=True,
        ),
        "salesforce_loader": Layout(
            "opportunity.csv",
            f"""select opportunity_id as id, account_id, opportunity_name as name, stage as stage_name,
                       amount, close_date, is_closed, is_won, created_date from ({_OPPORTUNITIES})""",
        ),
    },
    "crm_activities": {
        "csv": Layout("activities.csv", _ACTIVITIES),
        "csv_gzip": Layout("activities.csv.gz", _ACTIVITIES, CSV + ", compression gzip"),
        "jsonl": Layout("activities.jsonl", _ACTIVITIES, "format json"),
    },
    "technographics": {
        "hg_insights": Layout(
            "hg_insights_install_base.csv",
            f"""select domain as "Domain", technology as "Product", category as "Category",
                       strftime(first_detected, '%Y-%m-%d') as "Date First Verified",
                       strftime(last_detected, '%Y-%m-%d') as "Date Last Verified", intensity as "Intensity"
                from ({_TECHNOLOGIES})""",
        ),
        "builtwith": Layout(
            "builtwith_export.parquet",
            f"""select {_MESSY_WEBSITE} as "Domain", technology as "Technology", category as "Tag",
                       first_detected as "First Detected", last_detected as "Last Detected"
                from ({_TECHNOLOGIES})""",
            "format parquet",
        ),
    },
    "intent": {
        "bombora": Layout("bombora_company_surge.csv", _BOMBORA),
        "first_party": Layout("first_party_intent.jsonl", _FIRST_PARTY_INTENT, "format json"),
    },
    "email_verifications": {
        "neverbounce": Layout("verifier_results.csv", _VERIFICATIONS),
    },
    "crm_users": {
        "salesforce": Layout("User.csv", _USERS),
    },
}


def layouts_for(source: str, k: int, export_date: dt.date) -> list[str]:
    """Which layouts a source is exported in on day k (an empty list: no export that day)."""
    if source == "crm_accounts":
        if k % 7 == 3:
            return ["hubspot_ui_eu"] if k % 14 == 3 else ["hubspot_ui"]
        if k % 7 == 5:
            return ["salesforce_report"]
        if k % 5 == 1:
            return ["salesforce_loader"]
        return ["salesforce_gzip"] if k % 6 == 4 else ["salesforce"]
    if source == "crm_contacts":
        return ["hubspot_ui"] if k % 7 == 3 else ["salesforce"]
    if source == "crm_opportunities":
        return [("salesforce", "salesforce", "salesforce_loader", "salesforce_report_xlsx")[k % 4]]
    if source == "crm_activities":
        return [("csv", "jsonl", "csv_gzip")[k % 3]]
    if source == "technographics":
        return [("hg_insights", "builtwith")[(k // 7) % 2]] if k % 7 == 0 else []
    if source == "intent":
        weekly = ["bombora"] if export_date.isoweekday() == 1 or k == 0 else []
        return weekly + ["first_party"]
    if source == "email_verifications":
        return ["neverbounce"] if k % 7 == 0 else []
    if source == "crm_users":
        return ["salesforce"] if k % 7 == 0 else []
    raise ValueError(f"unknown source {source!r}")
