-- The publish gate's verdict on each day's movement, one row per as-of date and kind of move: how
-- many accounts (or contacts) moved against the day before, and the most that the day-to-day churn
-- of a book this size explains (gate in config/scoring.yml). A date without a scored day before
-- (a first load, the first date of a backfill) has no row: it has nothing to move from. Demotions
-- the review calendar held back and applies on a review date were announced (pending_tier): they
-- are business, not breakage, and are not counted.
{%- set gate = scoring('gate') %}
{#- each move: the column counting what moved, the column counting what was compared, and in words -#}
{%- set counted = {
    'tier_changes': ('tier_changes - review_demotions', 'compared_accounts', 'accounts changed tier'),
    'demotions': ('demotions - review_demotions', 'compared_accounts', 'accounts were demoted'),
    'firmographic_changes': ('firmographic_changes', 'compared_accounts', 'accounts changed firmographic points (industry, employees, revenue or country)'),
    'accounts_lost': ('accounts_lost', 'accounts_day_before', 'accounts of the day before are missing'),
    'contacts_moved': ('contacts_moved', 'compared_contacts', 'contacts are filed under another account'),
    'tier_1_reach_lost': ('tier_1_reach_lost', 'tier_1_compared_accounts', 'tier 1 accounts lost their last verified decision-maker'),
} %}

with metrics as (
    select * from {{ ref('tier_metrics') }}
    where as_of_date between {{ dbt.dateadd('day', -gate['history_days'], as_of_start()) }} and {{ as_of_end() }}
),

moves as (
    {%- for move, settings in gate['moves'].items() %}
        {%- set moved, compared, description = counted[move] %}
        select
            as_of_date,
            cast({{ sql_literal(move) }} as {{ dbt.type_string() }}) as move,
            cast({{ sql_literal(description) }} as {{ dbt.type_string() }}) as description,
            cast({{ moved }} as bigint) as moved,
            cast({{ compared }} as bigint) as compared,
            cast({{ settings['expected_share'] }} as double) as expected_share,
            {{ settings['min_accounts'] | int }} as min_moved
        from metrics
        where {{ compared }} > 0
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

-- what the book itself moved on its recent days: most of them (a quantile), so that one accepted
-- upheaval does not excuse the next
recent as (
    select
        run_days.as_of_date,
        run_days.move,
        {{ quantile_cont('cast(earlier.moved as double) / earlier.compared', gate['history_quantile']) }} as recent_share,
        count(earlier.as_of_date) as recent_days
    from moves as run_days
    left join moves as earlier
        on
            run_days.move = earlier.move
            and earlier.as_of_date between {{ dbt.dateadd('day', -gate['history_days'], 'run_days.as_of_date') }}
            and {{ dbt.dateadd('day', -1, 'run_days.as_of_date') }}
    where {{ in_as_of_range('run_days.as_of_date') }}
    group by run_days.as_of_date, run_days.move
),

churn as (
    select
        moves.*,
        recent.recent_share,
        recent.recent_days,
        greatest(moves.expected_share, coalesce(recent.recent_share, 0)) as churn_share
    from moves
    inner join recent
        on
            moves.as_of_date = recent.as_of_date
            and moves.move = recent.move
),

limits as (
    select
        *,
        greatest(
            min_moved - 1,
            cast(floor(
                compared * churn_share + {{ gate['deviations'] }} * sqrt(compared * churn_share * (1 - churn_share))
            ) as bigint)
        ) as move_limit
    from churn
),

final as (
    select
        as_of_date,
        move,
        description,
        moved,
        compared,
        expected_share,
        recent_share,
        recent_days,
        churn_share,
        move_limit,
        greatest(moved - move_limit, 0) as moved_beyond_limit
    from limits
)

select * from final
