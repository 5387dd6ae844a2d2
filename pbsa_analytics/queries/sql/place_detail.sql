-- One place's reference facts and the furthest phase it reached.
select p.*, f.furthest_phase
from places as p
left join place_furthest_phase as f on f.place_id = p.place_id
where p.place_id = $place_id
