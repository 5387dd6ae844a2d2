-- Places to map: location, furthest phase reached, latest lead and one metric over a period (combined by the
-- metric's rule, metrics.over_time), filtered by phase and region.
with latest_lead as (
    select place_id, arg_max(lead_organisation, phase) as lead_organisation
    from phase_participation
    where status = 'took_part' and lead_organisation is not null
    group by place_id
),

metric_value as (
    select place_id, value as metric_value
    from monitoring_combined($phase, $window_start, $window_end)
    where metric = $metric
),

evidence_count as (
    select place_id, count(*) as evidence_records
    from evidence
    where place_id is not null
    group by place_id
)

select
    p.place_id,
    p.place_name,
    p.partnership_name,
    l.lead_organisation,
    p.local_authority,
    p.lad_code,
    p.region,
    p.latitude,
    p.longitude,
    f.furthest_phase,
    v.metric_value,
    coalesce(e.evidence_records, 0) as evidence_records,
    1 as places  -- how many places the point stands for (scoping may group other places by region)
from places as p
inner join place_furthest_phase as f on f.place_id = p.place_id
left join latest_lead as l on l.place_id = p.place_id
left join metric_value as v on v.place_id = p.place_id
left join evidence_count as e on e.place_id = p.place_id
where f.furthest_phase >= $min_phase and list_contains($regions, p.region)
order by p.place_name
