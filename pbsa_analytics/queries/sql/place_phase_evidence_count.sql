-- How many evidence records name one place in one phase.
select count(*) as evidence_records
from evidence
where place_id = $place_id and phase = $phase
