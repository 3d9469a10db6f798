-- Each account's place in its family per score date: parent, ultimate parent (the root of its tree,
-- the account itself for a root), depth, the path of ids from the root down, the family's size, and
-- what is wrong with the account's parent link, in words, for the data-quality report.
-- Only the run's as-of dates: the history is its one reader, and the look-back days before them
-- (scored for hysteresis) would multiply this model's work by the look-back's length.
with parents as (
    select * from {{ ref('int_account_parents_resolved') }}
    where {{ in_as_of_range('score_date') }}
),

ancestors as (
    select * from {{ ref('int_account_ancestors_listed') }}
    where {{ in_as_of_range('score_date') }}
),

farthest_ancestor as (
    select
        score_date,
        account_id,
        {{ arg_max('ancestor_account_id', 'distance') }} as ultimate_parent_account_id,
        max(distance) as hierarchy_depth,
        {{ arg_max('path', 'distance') }} as hierarchy_path
    from ancestors
    group by score_date, account_id
),

names as (
    select
        score_date,
        account_id,
        account_name
    from {{ ref('int_accounts_deduplicated') }}
    where {{ in_as_of_range('score_date') }}
),

assigned as (
    select
        parents.score_date,
        parents.account_id,
        parents.crm_parent_id,
        parents.parent_account_id,
        parent_names.account_name as parent_account_name,
        parents.parent_status,
        parents.cycle_path,
        farthest_ancestor.ultimate_parent_account_id,
        ultimate_names.account_name as ultimate_parent_account_name,
        farthest_ancestor.hierarchy_depth,
        farthest_ancestor.hierarchy_path
    from parents
    inner join farthest_ancestor
        on
            parents.score_date = farthest_ancestor.score_date
            and parents.account_id = farthest_ancestor.account_id
    left join names as parent_names
        on
            parents.score_date = parent_names.score_date
            and parents.parent_account_id = parent_names.account_id
    left join names as ultimate_names
        on
            farthest_ancestor.score_date = ultimate_names.score_date
            and farthest_ancestor.ultimate_parent_account_id = ultimate_names.account_id
),

sized as (
    select
        *,
        count(*) over (partition by score_date, ultimate_parent_account_id) as family_size,
        case parent_status
            when 'orphan' then 'orphan: parent ' || crm_parent_id || ' is not in the export; scored as a root'
            when 'self_parent' then 'self_parent: the account is its own parent; scored as a root'
            when 'cycle_broken' then 'cycle: parent links ' || cycle_path || ' form a cycle; the link of this account is dropped'
        end as hierarchy_issue
    from assigned
)

select * from sized
