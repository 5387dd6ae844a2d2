-- Every place's figure per reporting period inside a period (no combining), for quarterly small multiples.
select
    mo.place_id,
    p.place_name,
    mo.phase,
    mo.period_start,
    mo.period_end,
    mo.metric,
    me.label as metric_label,
    me.position as metric_position,
    mo.value
from monitoring as mo
inner join places as p on p.place_id = mo.place_id
inner join metrics as me on me.metric = mo.metric
where
    mo.value is not null
    and ($phase is null or mo.phase = $phase)
    and mo.period_start >= $window_start
    and mo.period_end <= $window_end
order by me.position, mo.period_end, p.place_name
