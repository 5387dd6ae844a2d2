-- Places taking part per ONS region in each phase.
select pp.phase, p.region, count(*) as places
from phase_participation as pp
inner join places as p on p.place_id = pp.place_id
where pp.status = 'took_part'
group by pp.phase, p.region
order by pp.phase, p.region
