-- Places to map: location, furthest phase reached, latest lead and one metric over a period (combined by the
-- metric's rule, metrics.over_time), filtered by phase and region. What comes from data/ alone is made once per
-- build (place_map_points in store/sql/views.sql); only the metric is read here.
with metric_value as (
    select place_id, value as metric_value
    from monitoring_combined($phase, $window_start, $window_end)
    where metric = $metric
)

select
    p.place_id,
    p.place_name,
    p.partnership_name,
    p.lead_organisation,
    p.local_authority,
    p.lad_code,
    p.region,
    p.latitude,
    p.longitude,
    p.furthest_phase,
    v.metric_value,
    p.evidence_records,
    1 as places  -- how many places the point stands for (scoping may group other places by region)
from place_map_points as p
left join metric_value as v on v.place_id = p.place_id
where p.furthest_phase >= $min_phase and list_contains($regions, p.region)
order by p.place_name
