-- The source cells (and import ids) of the monitoring rows inside a period, to cite exactly the figures shown.
select distinct source, import_id
from monitoring
where
    ($phase is null or phase = $phase)
    and period_start >= $window_start
    and period_end <= $window_end
order by source, import_id
