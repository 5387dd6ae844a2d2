-- Each phase with its dates, grant ceiling and how many places took part.
with took_part as (
    select phase, count(*) as places_taking_part
    from phase_participation
    where status = 'took_part'
    group by phase
)

select
    p.phase,
    p.name,
    p.start_date,
    p.end_date,
    p.max_grant_gbp,
    p.places_funded,
    coalesce(t.places_taking_part, 0) as places_taking_part,
    p.description,
    p.source
from phases as p
left join took_part as t on t.phase = p.phase
order by p.phase
