-- Every account's ancestors per score date, itself included at distance 0: the closure of the
-- resolved parent links, so roll-ups are plain joins and groupings.
with recursive parents as (
    select * from {{ ref('int_account_parents_resolved') }}
),

walk as (
    {{ walk_up('walk', 'parents', 'parent_account_id', scoring('hierarchy.max_depth')) }}
),

final as (
    select
        score_date,
        start_id as account_id,
        current_id as ancestor_account_id,
        distance,
        path
    from walk
)

select * from final
