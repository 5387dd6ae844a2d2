-- How many of one phase's places are marked with each of the nine typologies, and how many places took part.
with cohort as (
    select place_id
    from cohort_places
    where phase = $phase
),

marked as (
    select distinct place_id, typology_id
    from place_typology
    where phase = $phase and place_id in (select place_id from cohort)
)

select
    t.typology_id,
    t.name as typology_name,
    t.position as typology_position,
    count(m.place_id) as places_marked,
    (select count(*) from cohort) as cohort_places
from typologies as t
left join marked as m on m.typology_id = t.typology_id
group by t.typology_id, t.name, t.position
order by t.position
