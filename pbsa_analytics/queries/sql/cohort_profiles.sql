-- A cohort's typology profile in every phase: one row per place x phase x typology, for $count of the cohort's
-- places from the $first (0-based) in name order ($count null: every place). Scoping pages an anonymised view
-- itself, from its labels (services/scoping.py): a page cut here by real names would tell which labels come first.
with cohort as (
    select place_id, place_name
    from cohort_places
    where phase = $cohort_phase
),

page as (
    select place_id, place_name
    from cohort
    order by place_name, place_id
    limit $count offset $first
),

phases_of_page as (
    select pg.place_id, pg.place_name, pp.phase
    from page as pg
    inner join phase_participation as pp on pp.place_id = pg.place_id and pp.status = 'took_part'
)

select
    pp.place_id,
    pp.place_name,
    pp.phase,
    t.typology_id,
    t.name as typology_name,
    t.position as typology_position,
    pt.typology_id is not null as marked
from phases_of_page as pp
cross join typologies as t
left join place_typology as pt
    on pt.place_id = pp.place_id and pt.phase = pp.phase and pt.typology_id = t.typology_id
order by pp.place_name, pp.place_id, pp.phase, t.position
