-- How many places took part in each phase (their names, for a cohort small enough to list: phase_cohort_names).
select
    phase,
    count(*) as places
from phase_participation
where status = 'took_part'
group by phase
order by phase
