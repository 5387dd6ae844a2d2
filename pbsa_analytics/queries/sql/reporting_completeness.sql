-- Places x reporting periods: how many of the metrics each place reported (a value, not missing).
with periods as (
    select distinct phase, period_start, period_end
    from monitoring
),

cohort as (
    select place_id, phase, place_name
    from cohort_places
),

reported as (
    select place_id, period_start, period_end, count(value) as metrics_reported
    from monitoring
    group by place_id, period_start, period_end
),

metric_count as (
    select count(*) as metrics from metrics
)

select
    c.place_id,
    c.place_name,
    pe.phase,
    pe.period_start,
    pe.period_end,
    coalesce(r.metrics_reported, 0) as metrics_reported,
    mc.metrics,
    case
        when coalesce(r.metrics_reported, 0) = 0 then 'missing'
        when r.metrics_reported < mc.metrics then 'partial'
        else 'reported'
    end as status
from periods as pe
inner join cohort as c on c.phase = pe.phase
cross join metric_count as mc
left join reported as r
    on r.place_id = c.place_id and r.period_start = pe.period_start and r.period_end = pe.period_end
order by pe.period_start, c.place_name
