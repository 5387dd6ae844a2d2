-- Every distinct reporting period held (published or imported), for the period control.
select distinct phase, period_start, period_end
from monitoring
order by period_start, period_end
