-- Each account's parent per score date: the CRM parent id (Salesforce ParentId, or HubSpot's Parent
-- Company) resolved through merges to the surviving account. An account stays a root when its
-- parent is missing from the export (orphan), is the account itself (self_parent), or when its link
-- is the one that breaks a cycle: the lowest account id on the cycle loses its parent.
with recursive accounts as (
    select
        score_date,
        account_id,
        crm_parent_id
    from {{ ref('int_accounts_deduplicated') }}
),

account_map as (
    select * from {{ ref('int_account_ids_mapped') }}
),

linked as (
    select
        accounts.score_date,
        accounts.account_id,
        accounts.crm_parent_id,
        account_map.account_id as mapped_parent_id
    from accounts
    left join account_map
        on
            accounts.score_date = account_map.score_date
            and accounts.crm_parent_id = account_map.crm_account_id
),

-- an account is on a cycle when its walk leads back to itself
walk as (
    {{ walk_up('walk', 'linked', 'mapped_parent_id', scoring('hierarchy.max_depth')) }}
),

cycles as (
    select
        score_date,
        start_id as account_id,
        max(case when next_id = start_id then path end) as cycle_path,
        min(current_id) as lowest_id_on_cycle
    from walk
    group by score_date, start_id
    having {{ dbt.bool_or('next_id = start_id') }}
),

resolved as (
    select
        linked.score_date,
        linked.account_id,
        linked.crm_parent_id,
        linked.mapped_parent_id,
        case
            when linked.crm_parent_id is null then 'root'
            when linked.mapped_parent_id is null then 'orphan'
            when linked.mapped_parent_id = linked.account_id then 'self_parent'
            when cycles.lowest_id_on_cycle = linked.account_id then 'cycle_broken'
            else 'child'
        end as parent_status,
        cycles.cycle_path
    from linked
    left join cycles
        on
            linked.score_date = cycles.score_date
            and linked.account_id = cycles.account_id
),

final as (
    select
        score_date,
        account_id,
        crm_parent_id,
        case when parent_status = 'child' then mapped_parent_id end as parent_account_id,
        parent_status,
        case when parent_status = 'cycle_broken' then cycle_path end as cycle_path
    from resolved
)

select * from final
