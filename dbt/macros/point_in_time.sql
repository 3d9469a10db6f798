{#
  Point-in-time reads. A run scores each day of its series using only exports dated that day or
  earlier, and reads only the export folders it needs, so a nightly run costs the same on day 60 as
  on day 1.

  snapshot_as_of(model, table): rows of the latest export on or before each score date, for sources
  that are full snapshots (CRM objects, technographics). Adds score_date.
#}
{% macro snapshot_as_of(model_name, table_name) %}
    {%- set export_dates = snapshot_export_dates(table_name) %}
    select chosen.score_date, snapshot.*
    from (
        select scoring_dates.score_date, max(exports.export_date) as export_date
        from {{ ref('int_scoring_dates') }} as scoring_dates
        inner join (
            {%- for day in export_dates %}
            select cast('{{ day }}' as date) as export_date {{ "union all" if not loop.last }}
            {%- else %}
            select cast(null as date) as export_date
            {%- endfor %}
        ) as exports
            on exports.export_date <= scoring_dates.score_date
        group by scoring_dates.score_date
    ) as chosen
    inner join {{ ref(model_name) }} as snapshot
        on snapshot.export_date = chosen.export_date
    where snapshot.export_date in (
        {%- for day in export_dates %}cast('{{ day }}' as date){{ ", " if not loop.last }}{% else %}null{% endfor -%}
    )
{% endmacro %}

{# The export dates a snapshot read needs: the last one on or before the first scored day, and all after it up to the end. #}
{% macro snapshot_export_dates(table_name) %}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        with exports as (
            select distinct _export_date as export_date from {{ raw_source(table_name) }}
            where _export_date <= {{ as_of_end() }}
        )
        select cast(export_date as {{ dbt.type_string() }}) from exports
        where export_date >= coalesce(
            (select max(export_date) from exports where export_date <= {{ scored_series_start() }}),
            cast('1900-01-01' as date))
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{# Event rows (intent, activities, verifications) that can matter to the series: an event dated
   within `lookback_days` of a score day was exported no earlier than it happened. #}
{% macro events_in_window(model_name, lookback_days) %}
    select * from {{ ref(model_name) }}
    where export_date between {{ dbt.dateadd('day', -lookback_days, scored_series_start()) }} and {{ as_of_end() }}
{% endmacro %}
