-- Buying-group coverage per account and score date: usable contacts (int_contacts_flagged: verified,
-- not stale, not bounced) per configured role among the contacts of the account and its subsidiaries, coverage
-- = sum(weight x min(1, verified / needed)) / sum(weight), and the roles still missing.
{%- set roles = scoring('buying_group.roles') %}

with usable_contacts as (
    select
        score_date,
        contact_id,
        account_id,
        title,
        department
    from {{ ref('int_contacts_flagged') }}
    where is_usable and account_id is not null
),

roles as (
    {%- for role, rule in roles.items() %}
        select
            {{ sql_literal(role) }} as role,
            {{ sql_literal(rule['label']) }} as role_label,
            cast({{ rule['needed'] }} as double) as needed,
            cast({{ rule['weight'] }} as double) as weight
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

-- titles repeat across contacts: each distinct title and department is matched once
titles as (
    select distinct
        title,
        department
    from usable_contacts
),

title_roles as (
    {%- for role, rule in roles.items() %}
        select
            title,
            department,
            {{ sql_literal(role) }} as role
        from titles
        where
            {{ title_matches_any('title', rule['title_patterns']) }}
            {%- if rule['departments'] %}
                and (department is null or lower(department) in ({{ literal_list(rule['departments'] | map('lower') | list) }}))
            {%- endif %}
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

role_contacts as (
    select
        usable_contacts.score_date,
        usable_contacts.contact_id,
        usable_contacts.account_id,
        title_roles.role
    from usable_contacts
    inner join title_roles
        on
            usable_contacts.title = title_roles.title
            and usable_contacts.department is not distinct from title_roles.department
),

-- a contact counts once per role for an account, however many of its subsidiaries it belongs to
account_role_contacts as (
    select distinct
        ancestors.score_date,
        ancestors.ancestor_account_id as account_id,
        role_contacts.role,
        role_contacts.contact_id
    from role_contacts
    inner join {{ ref('int_account_ancestors_listed') }} as ancestors
        on
            role_contacts.score_date = ancestors.score_date
            and role_contacts.account_id = ancestors.account_id
),

verified_per_role as (
    select
        score_date,
        account_id,
        role,
        count(*) as verified_contacts
    from account_role_contacts
    group by score_date, account_id, role
),

account_roles as (
    select
        accounts.score_date,
        accounts.account_id,
        roles.role,
        roles.role_label,
        roles.needed,
        roles.weight,
        coalesce(verified_per_role.verified_contacts, 0) as verified_contacts
    from {{ ref('int_accounts_deduplicated') }} as accounts
    cross join roles
    left join verified_per_role
        on
            accounts.score_date = verified_per_role.score_date
            and accounts.account_id = verified_per_role.account_id
            and roles.role = verified_per_role.role
),

covered as (
    select
        score_date,
        account_id,
        cast(coalesce(
            round(sum(weight * least(1.0, verified_contacts / needed)) / nullif(sum(weight), 0), 4), 1.0
        ) as double) as buying_group_coverage,
        {{ dbt.listagg(
            'case when verified_contacts < needed then role_label end',
            "', '",
            'order by weight desc, role_label'
        ) }} as missing_buying_roles
    from account_roles
    group by score_date, account_id
)

select * from covered
