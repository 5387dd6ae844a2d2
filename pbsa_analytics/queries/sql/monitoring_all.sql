-- Every effective monitoring figure (published, overlaid by imports), with place and metric labels and the
-- metric's declared rule for combining periods (over_time), so an export states how its figures may be combined.
select
    m.place_id,
    p.place_name,
    m.phase,
    m.period_start,
    m.period_end,
    m.period_basis,
    m.metric,
    me.label as metric_label,
    me.over_time,
    m.value,
    m.note,
    m.source,
    m.import_id
from monitoring as m
inner join places as p on p.place_id = m.place_id
inner join metrics as me on me.metric = m.metric
order by m.period_start, p.place_name, me.position
