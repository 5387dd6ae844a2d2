-- What a person can read of the completeness grid of any cohort, from one pass over it, at two grains:
--   period  per reporting period and status, how many places (the distribution chart);
--   place   per place and status, how many of its periods (the searchable per-place table).
select
    case when grouping(place_id) = 0 then 'place' else 'period' end as grain,
    place_id,
    place_name,
    period_start,
    period_end,
    status,
    count(*)::bigint as count
from monitoring_reporting_grid($phase, $window_start, $window_end, $due_days, $received_ids, $received_on)
group by grouping sets ((period_start, period_end, status), (place_id, place_name, status))
order by grain, period_start, period_end, place_name, place_id, status
