-- Places x reporting periods inside a period, each graded on time / late / partial / missing / not yet due /
-- reported (see monitoring_reporting_grid).
select *
from monitoring_reporting_grid($phase, $window_start, $window_end, $due_days, $received_ids, $received_on)
-- Ties (a place expected in two phases for one quarter) broken the same way on every run.
order by period_start, place_name, phase, place_id, period_end
