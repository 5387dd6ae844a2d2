-- The documents that source cells cite, for the citation renderer.
select document_id, file_name, author, short_title, year
from sources
order by document_id
