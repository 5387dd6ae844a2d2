-- For places in both phases: each typology kept, added, dropped or absent between the two; 'no data' where the
-- sources give no typology for the place in one of the phases (missing is not dropped).
with in_both as (
    select a.place_id
    from phase_participation as a
    inner join phase_participation as b on b.place_id = a.place_id
    where a.phase = $from_phase and a.status = 'took_part' and b.phase = $to_phase and b.status = 'took_part'
),

before as (
    select place_id, typology_id from place_typology where phase = $from_phase
),

after as (
    select place_id, typology_id from place_typology where phase = $to_phase
),

known_before as (
    select distinct place_id from before
),

known_after as (
    select distinct place_id from after
)

select
    i.place_id,
    p.place_name,
    t.typology_id,
    t.name as typology_name,
    t.position as typology_position,
    case
        when kb.place_id is null or ka.place_id is null then 'no data'
        when b.place_id is not null and a.place_id is not null then 'kept'
        when a.place_id is not null then 'added'
        when b.place_id is not null then 'dropped'
        else 'absent'
    end as change,
    case
        when kb.place_id is null then $from_phase
        when ka.place_id is null then $to_phase
    end as missing_phase
from in_both as i
inner join places as p on p.place_id = i.place_id
cross join typologies as t
left join known_before as kb on kb.place_id = i.place_id
left join known_after as ka on ka.place_id = i.place_id
left join before as b on b.place_id = i.place_id and b.typology_id = t.typology_id
left join after as a on a.place_id = i.place_id and a.typology_id = t.typology_id
order by p.place_name, t.position
