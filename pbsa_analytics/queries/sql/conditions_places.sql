-- The places that may fill in a self-assessment: those taking part in the latest phase, by name.
with latest as (
    select max(phase) as phase from phase_participation where status = 'took_part'
)

select p.place_id, p.place_name
from phase_participation as pp
inner join latest as l on l.phase = pp.phase
inner join places as p on p.place_id = pp.place_id
where pp.status = 'took_part'
order by p.place_name
