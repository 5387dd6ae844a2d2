-- Every place in the period's cohort with each metric combined over the period by the metric's declared rule
-- (metrics.over_time: sum, latest or peak); null where the place gave no figure in the period.
with windowed_phases as (
    select phase from monitoring_windowed_phases($phase, $window_start, $window_end)
),

cohort as (
    select place_id, any_value(place_name) as place_name
    from cohort_places
    where phase = $phase or phase in (select phase from windowed_phases)
    group by place_id
),

combined as (
    select place_id, metric, value, periods_reported, period_start, period_end, note
    from monitoring_combined($phase, $window_start, $window_end)
)

select
    c.place_id,
    c.place_name,
    m.metric,
    m.label,
    m.over_time,
    v.value,
    coalesce(v.periods_reported, 0) as periods_reported,
    v.period_start,
    v.period_end,
    v.note
from cohort as c
cross join metrics as m
left join combined as v on v.place_id = c.place_id and v.metric = m.metric
order by m.position, c.place_name
