-- The Phase 2 cohort's typology profile in every phase: one row per place x phase x typology.
with cohort as (
    select place_id, place_name
    from cohort_places
    where phase = $cohort_phase
),

phases_of_cohort as (
    select c.place_id, c.place_name, pp.phase
    from cohort as c
    inner join phase_participation as pp on pp.place_id = c.place_id and pp.status = 'took_part'
)

select
    pc.place_id,
    pc.place_name,
    pc.phase,
    t.typology_id,
    t.name as typology_name,
    t.position as typology_position,
    pt.typology_id is not null as marked
from phases_of_cohort as pc
cross join typologies as t
left join place_typology as pt
    on pt.place_id = pc.place_id and pt.phase = pc.phase and pt.typology_id = t.typology_id
order by pc.place_name, pc.place_id, pc.phase, t.position
