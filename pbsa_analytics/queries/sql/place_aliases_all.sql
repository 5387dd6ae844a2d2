-- Every alias of every place, for matching names in uploaded files.
select place_id, alias
from place_aliases
