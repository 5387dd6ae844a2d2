-- The monitoring metrics in display order.
select metric, label, definition, unit
from metrics
order by position
