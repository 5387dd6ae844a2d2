-- Each place taking part in one phase, with what /typology orders places by: how far it went, how many of the nine
-- typologies it is marked with, and its profile (one character per typology in the typologies' order: 1 marked).
with cohort as (
    select place_id, place_name
    from cohort_places
    where phase = $phase
),

furthest as (
    select place_id, max(phase) as furthest_phase
    from phase_participation
    where status = 'took_part'
    group by place_id
),

marked as (
    select distinct place_id, typology_id
    from place_typology
    where phase = $phase
)

select
    c.place_id,
    c.place_name,
    f.furthest_phase,
    count(m.typology_id) as typologies_marked,
    string_agg(if(m.typology_id is null, '0', '1'), '' order by t.position) as profile
from cohort as c
cross join typologies as t
inner join furthest as f on f.place_id = c.place_id
left join marked as m on m.place_id = c.place_id and m.typology_id = t.typology_id
group by c.place_id, c.place_name, f.furthest_phase
order by c.place_name, c.place_id
