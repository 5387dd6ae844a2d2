-- The place(s) a typed name or id refers to, through place_aliases.alias_key (case and outer spaces ignored).
select distinct a.place_id, p.place_name
from place_aliases as a
inner join places as p on p.place_id = a.place_id
where a.alias_key = lower(trim($text))
order by a.place_id
