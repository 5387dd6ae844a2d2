-- Each phase with the names of the places taking part.
select
    pp.phase,
    count(*) as places,
    string_agg(p.place_name, ', ' order by p.place_name) as place_names
from phase_participation as pp
inner join places as p on p.place_id = pp.place_id
where pp.status = 'took_part'
group by pp.phase
order by pp.phase
