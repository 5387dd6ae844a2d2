-- Each phase's places by name, in one line, for a cohort of at most $max_names places; a larger cohort has no
-- list (null: the page says how many). A list of 10,000 names helps no reader, and
-- every scoped view would scrub all of it.
select
    pp.phase,
    count(*) as places,
    case
        when count(*) <= $max_names then string_agg(p.place_name, ', ' order by p.place_name)
    end as place_names
from phase_participation as pp
inner join places as p on p.place_id = pp.place_id
where pp.status = 'took_part'
group by pp.phase
order by pp.phase
