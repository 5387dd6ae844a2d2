-- Programme-level outcomes with what the Phase 2 report says is known and not yet known.
select outcome_id, title, description, known_summary, not_yet_known_summary, source
from outcomes
where level = 'programme'
order by position
