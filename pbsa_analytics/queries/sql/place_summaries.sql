-- One place's own-words delivery and plan summaries, by phase.
select evidence_id, phase, summary, source
from evidence
where place_id = $place_id and collection = 'place_summaries'
order by phase, evidence_id
