-- Places of a phase x the place-level outcomes, with the number of evidence records in each cell.
with cohort as (
    select place_id, place_name
    from cohort_places
    where phase = $phase
),

place_outcomes as (
    select outcome_id, short_title, title, position as outcome_position
    from outcomes
    where level = 'place'
),

counts as (
    select place_id, outcome_id, count(*) as evidence_records
    from evidence
    where phase = $phase and outcome_id is not null and place_id is not null
    group by place_id, outcome_id
)

select
    c.place_id,
    c.place_name,
    o.outcome_id,
    o.short_title as outcome,
    o.title as outcome_title,
    o.outcome_position,
    coalesce(n.evidence_records, 0) as evidence_records
from cohort as c
cross join place_outcomes as o
left join counts as n on n.place_id = c.place_id and n.outcome_id = o.outcome_id
order by c.place_name, o.outcome_position
