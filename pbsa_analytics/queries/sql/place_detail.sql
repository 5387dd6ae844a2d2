-- One place's reference facts and the furthest phase it reached.
with furthest as (
    select place_id, max(phase) as furthest_phase
    from phase_participation
    where status = 'took_part'
    group by place_id
)

select p.*, f.furthest_phase
from places as p
left join furthest as f on f.place_id = p.place_id
where p.place_id = $place_id
