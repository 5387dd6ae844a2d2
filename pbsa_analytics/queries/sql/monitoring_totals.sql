-- Per metric for a period: each place's figures combined by the metric's rule (metrics.over_time), summed
-- over places; how many partnerships reported; and the published total when the period is a whole phase.
with windowed_phases as (
    select phase from monitoring_windowed_phases($phase, $window_start, $window_end)
),

cohort as (
    select count(distinct place_id) as partnerships
    from cohort_places
    where phase = $phase or phase in (select phase from windowed_phases)
),

by_place as (
    select place_id, metric, value
    from monitoring_combined($phase, $window_start, $window_end)
),

summed as (
    select metric, sum(value) as total, count(value) as reporting
    from by_place
    group by metric
)

select
    m.metric,
    m.label,
    m.unit,
    m.definition,
    m.over_time,
    s.total,
    coalesce(s.reporting, 0) as reporting,
    c.partnerships,
    t.value as published_total,
    t.note as published_note,
    t.source as published_source
from metrics as m
cross join cohort as c
left join summed as s on s.metric = m.metric
left join monitoring_published_totals as t on t.metric = m.metric and t.phase = $phase
order by m.position
