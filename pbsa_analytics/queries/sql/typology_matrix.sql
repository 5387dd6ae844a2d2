-- Places taking part in one phase x the nine typologies: whether each is marked, and on what basis; for the places
-- listed in $place_ids (a page of the heatmap, or one cell's place), or every place when it is null.
with cohort as (
    select place_id, place_name
    from cohort_places
    where phase = $phase and ($place_ids::varchar [] is null or list_contains($place_ids::varchar [], place_id))
),

marked as (
    select place_id, typology_id, basis, via_activities, source
    from place_typology
    where phase = $phase
)

select
    c.place_id,
    c.place_name,
    f.furthest_phase,
    t.typology_id,
    t.name as typology_name,
    t.position as typology_position,
    m.typology_id is not null as marked,
    m.basis,
    m.via_activities,
    m.source
from cohort as c
cross join typologies as t
inner join place_furthest_phase as f on f.place_id = c.place_id
left join marked as m on m.place_id = c.place_id and m.typology_id = t.typology_id
order by c.place_name, t.position
