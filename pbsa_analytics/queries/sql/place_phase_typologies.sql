-- The typologies marked for one place in one phase, in the typology order.
select t.typology_id, t.name as typology_name
from place_typology as pt
inner join typologies as t on t.typology_id = pt.typology_id
where pt.place_id = $place_id and pt.phase = $phase
order by t.position
