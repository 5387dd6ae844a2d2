-- Every place's id and name, for pickers.
select place_id, place_name
from places
order by place_name
