-- The evidence summaries behind one place x outcome cell, with their citations.
select evidence_id, phase, summary, typology_id, source
from evidence
where place_id = $place_id and outcome_id = $outcome_id
order by phase, evidence_id
