-- The Phase 2 cohort's typology profile in every phase: one row per place x phase x typology.
with cohort as (
    select pp.place_id, p.place_name
    from phase_participation as pp
    inner join places as p on p.place_id = pp.place_id
    where pp.phase = $cohort_phase and pp.status = 'took_part'
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
order by pc.place_name, pc.phase, t.position
