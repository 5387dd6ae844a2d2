-- Every name by which a place, its partnership or its lead organisations are known, for redaction.
with variants as (
    select place_id, alias as name from place_aliases
    union
    select place_id, place_name from places
    union
    select place_id, partnership_name from places where partnership_name is not null
    union
    select place_id, lead_organisation from phase_participation where lead_organisation is not null
)

select p.place_id, p.place_name, v.name
from variants as v
inner join places as p on p.place_id = v.place_id
order by p.place_name, length(v.name) desc, v.name
