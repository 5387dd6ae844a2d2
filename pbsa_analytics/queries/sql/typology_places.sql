-- Each place taking part in one phase, with what /typology orders places by: how far it went, how many of the nine
-- typologies it is marked with, and its profile (one character per typology in the typologies' order: 1 marked).
-- Marks are gathered per place as a list, not laid over a place x typology grid (three times faster at scale).
with cohort as (
    select place_id, place_name
    from cohort_places
    where phase = $phase
),

marks as (
    select pt.place_id, list(distinct t.position) as positions
    from place_typology as pt
    inner join typologies as t on t.typology_id = pt.typology_id
    where pt.phase = $phase
    group by pt.place_id
),

slots as (
    select list(position order by position) as positions
    from typologies
)

select
    c.place_id,
    c.place_name,
    f.furthest_phase,
    coalesce(len(m.positions), 0) as typologies_marked,
    array_to_string(
        list_transform(s.positions, lambda slot: if(list_contains(coalesce(m.positions, []), slot), '1', '0')), ''
    ) as profile
from cohort as c
cross join slots as s
inner join place_furthest_phase as f on f.place_id = c.place_id
left join marks as m on m.place_id = c.place_id
order by c.place_name, c.place_id
