-- One signal per export, domain, topic and signal date. Bombora's comprehensive export repeats each
-- company x topic once per metro area with the same company-level Composite Score: counted once.
with source as (
    select * from {{ raw_source('intent') }}
),

collapsed as (
    select
        domain,
        min(company_name) as company_name,
        topic,
        max(score) as score,
        max(score_delta) as score_delta,
        signal_date,
        _export_date as export_date,
        min(_source_file) as source_file,
        min(_row_number) as source_row_number
    from source
    group by domain, topic, signal_date, _export_date
)

select * from collapsed
