-- Per phase x typology: how many of a cohort's places marked it (places) and how many of them took part in that
-- phase (cohort). The cohort is the places of $cohort_phase; counted here, so no page fetches a row per place for it.
with cohort as (
    select place_id
    from cohort_places
    where phase = $cohort_phase
),

phases_of_cohort as (
    select c.place_id, pp.phase
    from cohort as c
    inner join phase_participation as pp on pp.place_id = c.place_id and pp.status = 'took_part'
),

cohort_size as (
    select phase, count(distinct place_id) as cohort
    from phases_of_cohort
    group by phase
),

marks as (
    select pc.phase, pt.typology_id, count(*) as places
    from phases_of_cohort as pc
    inner join place_typology as pt on pt.place_id = pc.place_id and pt.phase = pc.phase
    group by pc.phase, pt.typology_id
)

select
    cs.phase,
    t.typology_id,
    t.name as typology_name,
    t.position as typology_position,
    coalesce(m.places, 0) as places,
    cs.cohort
from cohort_size as cs
cross join typologies as t
left join marks as m on m.phase = cs.phase and m.typology_id = t.typology_id
order by cs.phase, t.typology_id, t.name, t.position
