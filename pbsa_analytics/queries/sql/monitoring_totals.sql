-- Per metric for one phase: the summed figures, how many partnerships reported, and the published total.
with cohort as (
    select count(*) as partnerships
    from phase_participation
    where phase = $phase and status = 'took_part'
),

summed as (
    select
        metric,
        sum(value) as total,
        count(distinct case when value is not null then place_id end) as reporting
    from monitoring
    where phase = $phase
    group by metric
)

select
    m.metric,
    m.label,
    m.unit,
    m.definition,
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
