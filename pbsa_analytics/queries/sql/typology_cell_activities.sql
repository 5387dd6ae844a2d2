-- The appendix activities behind one place's typology in one phase (none for Table 3's Phase 1).
select a.activity_id, a.name as activity, pa.basis, pa.source
from place_activity as pa
inner join activity_typology as at_link on at_link.activity_id = pa.activity_id
inner join activities as a on a.activity_id = pa.activity_id
where pa.place_id = $place_id and pa.phase = $phase and at_link.typology_id = $typology_id
order by a.position
