-- Data caveats shown beside figures, each with its own source.
select caveat_id, text, source
from caveats
order by caveat_id
