-- Per phase x typology: how many of a cohort's places marked it (places) and how many of them took part in that
-- phase (cohort). The cohort is the places of $cohort_phase; counted once per build (cohort_typology_shift in
-- store/sql/views.sql), so no page fetches a row per place for it.
select phase, typology_id, typology_name, typology_position, places, cohort
from cohort_typology_shift
where cohort_phase = $cohort_phase
order by phase, typology_id, typology_name, typology_position
