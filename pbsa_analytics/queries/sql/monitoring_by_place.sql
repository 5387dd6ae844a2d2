-- Every place in the period's cohort with each metric combined over the period by the metric's declared rule
-- (metrics.over_time: sum, latest or peak); null where the place gave no figure in the period.
with windowed as (
    select place_id, phase, period_start, period_end, metric, value, note
    from monitoring
    where
        ($phase is null or phase = $phase)
        and period_start >= $window_start
        and period_end <= $window_end
),

cohort as (
    select place_id, any_value(place_name) as place_name
    from cohort_places
    where phase = $phase or phase in (select phase from windowed)
    group by place_id
),

combined as (
    select
        w.place_id,
        w.metric,
        case any_value(me.over_time)
            when 'sum' then sum(w.value)
            when 'peak' then max(w.value)
            else arg_max(w.value, w.period_end) filter (where w.value is not null)
        end as value,
        count(w.value) as periods_reported,
        min(w.period_start) as period_start,
        max(w.period_end) as period_end,
        string_agg(distinct w.note, ' ') as note
    from windowed as w
    inner join metrics as me on me.metric = w.metric
    group by w.place_id, w.metric
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
