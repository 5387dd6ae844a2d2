-- One place's typologies of social action per phase, planned or delivered.
select pt.phase, pt.typology_id, t.name as typology_name, pt.basis, pt.via_activities, pt.source
from place_typology as pt
inner join typologies as t on t.typology_id = pt.typology_id
where pt.place_id = $place_id
order by pt.phase, t.position
