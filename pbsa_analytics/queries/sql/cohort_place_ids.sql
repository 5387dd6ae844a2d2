-- The places that took part in one phase.
select place_id
from cohort_places
where phase = $phase
order by place_id
