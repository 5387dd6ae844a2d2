-- Each place taking part in one phase, with what /typology orders places by: how far it went, how many of the nine
-- typologies it is marked with, and its profile (one character per typology in the typologies' order: 1 marked).
-- Made once per build (place_typology_profiles in store/sql/views.sql): nothing here changes after it.
select place_id, place_name, furthest_phase, typologies_marked, profile
from place_typology_profiles
where phase = $phase
order by place_name, place_id
