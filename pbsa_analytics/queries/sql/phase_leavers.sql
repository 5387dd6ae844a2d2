-- Places that did not continue from one phase to the next, with the reason a source gives.
select
    pp.phase - 1 as left_after_phase,
    pp.place_id,
    p.place_name,
    pp.status,
    pp.note,
    pp.source
from phase_participation as pp
inner join places as p on p.place_id = pp.place_id
where pp.status <> 'took_part'
order by pp.phase, p.place_name
