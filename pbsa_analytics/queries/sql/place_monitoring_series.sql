-- One place's figures per reporting period, for time series (periods with a value only).
select m.period_start, m.period_end, m.metric, me.label as metric_label, m.value
from monitoring as m
inner join metrics as me on me.metric = m.metric
where m.place_id = $place_id and m.value is not null
order by m.period_end, me.position
