-- The metrics every place reports on, in display order.
select metric, label, definition, unit, measures, over_time
from metrics
order by position
