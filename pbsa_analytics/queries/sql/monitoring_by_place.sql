-- Every place of a phase with each metric's value; null where the place's figure was not given.
with cohort as (
    select place_id, place_name
    from cohort_places
    where phase = $phase
),

values_by_place as (
    select
        place_id,
        metric,
        sum(value) as value,
        min(period_start) as period_start,
        max(period_end) as period_end,
        string_agg(distinct note, ' ') as note
    from monitoring
    where phase = $phase
    group by place_id, metric
)

select
    c.place_id,
    c.place_name,
    m.metric,
    m.label,
    v.value,
    v.period_start,
    v.period_end,
    v.note
from cohort as c
cross join metrics as m
left join values_by_place as v on v.place_id = c.place_id and v.metric = m.metric
order by m.position, c.place_name
