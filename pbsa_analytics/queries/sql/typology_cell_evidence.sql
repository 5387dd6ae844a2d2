-- Evidence records tagged with one typology for one place and phase.
select evidence_id, phase, summary, source
from evidence
where place_id = $place_id and phase = $phase and typology_id = $typology_id
order by evidence_id
