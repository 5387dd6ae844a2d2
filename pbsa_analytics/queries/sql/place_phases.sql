-- One place's status and lead organisation in each phase it was considered for.
select pp.phase, ph.name as phase_name, pp.status, pp.lead_organisation, pp.note, pp.source
from phase_participation as pp
inner join phases as ph on ph.phase = pp.phase
where pp.place_id = $place_id
order by pp.phase
