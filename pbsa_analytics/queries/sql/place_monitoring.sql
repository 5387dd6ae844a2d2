-- One place's monitoring figures with their periods, notes and each metric's over-time rule; null values stay null.
select
    mo.phase,
    mo.period_start,
    mo.period_end,
    me.label as metric,
    me.over_time,
    mo.value,
    mo.note,
    mo.source
from monitoring as mo
inner join metrics as me on me.metric = mo.metric
where mo.place_id = $place_id
order by mo.phase, mo.period_start, me.position
