-- Per metric for a period: each place's figures combined by the metric's rule (metrics.over_time), summed
-- over places; how many partnerships reported; and the published total when the period is a whole phase.
with windowed as (
    select place_id, phase, period_start, period_end, metric, value
    from monitoring
    where
        ($phase is null or phase = $phase)
        and period_start >= $window_start
        and period_end <= $window_end
),

cohort as (
    select count(distinct place_id) as partnerships
    from cohort_places
    where phase = $phase or phase in (select phase from windowed)
),

by_place as (
    select
        w.place_id,
        w.metric,
        case any_value(me.over_time)
            when 'sum' then sum(w.value)
            when 'peak' then max(w.value)
            else arg_max(w.value, w.period_end) filter (where w.value is not null)
        end as value
    from windowed as w
    inner join metrics as me on me.metric = w.metric
    group by w.place_id, w.metric
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
