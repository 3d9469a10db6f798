{#
  Remembered ranks. A day's ranks are a pure function of the exports dated that day or earlier, the
  rules and this project's code. The pipeline fingerprints exactly those per day and passes them in
  ABM_SCORE_INPUTS ({"YYYY-MM-DD": fingerprint}, dagster_project/transform/score_inputs.py); a
  look-back day whose ranks int_account_ranks_remembered holds under the same fingerprint is read
  from there instead of being scored again, so a nightly run scores two days, not the whole series.
  Without fingerprints (a what-if, dbt run by hand) every day of the series is scored.
#}
{% macro score_input_fingerprints() %}
    {%- if not execute -%}{{ return({}) }}{%- endif -%}
    {{ return(fromjson(env_var('ABM_SCORE_INPUTS', '{}'))) }}
{% endmacro %}

{# The fingerprints as rows (score_date, inputs_fingerprint). #}
{% macro score_input_fingerprint_rows() %}
    {%- set fingerprints = score_input_fingerprints() -%}
    {%- for day, fingerprint in fingerprints | dictsort %}
    select cast('{{ day }}' as date) as score_date, '{{ fingerprint }}' as inputs_fingerprint {{ "union all" if not loop.last }}
    {%- else %}
    select cast(null as date) as score_date, cast(null as {{ dbt.type_string() }}) as inputs_fingerprint where 1 = 0
    {%- endfor %}
{% endmacro %}

{# Look-back days before the day preceding the as-of range, remembered under today's fingerprint. #}
{% macro remembered_score_dates() %}
    {%- if not execute or not score_input_fingerprints() -%}{{ return([]) }}{%- endif -%}
    {#- read by name, not ref(): the remembered ranks are built downstream of the series they shorten -#}
    {%- set node = graph.nodes['model.abm_tiering.int_account_ranks_remembered'] -%}
    {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- if relation is none -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select distinct cast(remembered.score_date as {{ dbt.type_string() }})
        from {{ relation }} as remembered
        inner join ({{ score_input_fingerprint_rows() }}) as fingerprints
            on
                remembered.score_date = fingerprints.score_date
                and remembered.inputs_fingerprint = fingerprints.inputs_fingerprint
        where
            remembered.score_date >= {{ series_start() }}
            and remembered.score_date < {{ dbt.dateadd('day', -1, as_of_start()) }}
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{# Remembered days older than the run's series are dropped; Spark's Parquet tables cannot delete rows. #}
{% macro forget_ranks_before(day) %}
    {{ return(adapter.dispatch('forget_ranks_before', 'abm_tiering')(day)) }}
{% endmacro %}
{% macro default__forget_ranks_before(day) -%}
    delete from {{ this }} where score_date < {{ day }}
{%- endmacro %}
{% macro spark__forget_ranks_before(day) -%}
    select 1
{%- endmacro %}
