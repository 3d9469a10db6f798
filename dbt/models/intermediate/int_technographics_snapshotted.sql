-- The technology detections each score date sees: the latest technographics export on or before it.
with detections as (
    {{ snapshot_as_of('stg_technographics__detections', 'technographics') }}
),

distinct_detections as (
    select distinct
        score_date,
        domain,
        technology
    from detections
    where domain is not null
)

select * from distinct_detections
