-- Everything that identifies a place: id, names, aliases, partnership, lead organisations, local authority and code.
with identities as (
    select place_id, place_id as name from places
    union
    select place_id, alias from place_aliases
    union
    select place_id, place_name from places
    union
    select place_id, partnership_name from places where partnership_name is not null
    union
    select place_id, lead_organisation from phase_participation where lead_organisation is not null
    union
    select place_id, local_authority from places where local_authority is not null
    union
    select place_id, lad_code from places where lad_code is not null
)

select p.place_id, p.place_name, i.name
from identities as i
inner join places as p on p.place_id = i.place_id
order by p.place_id, length(i.name) desc, i.name
