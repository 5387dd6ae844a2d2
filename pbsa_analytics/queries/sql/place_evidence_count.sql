-- How many evidence records name one place.
select count(*) as evidence_records
from evidence
where place_id = $place_id
