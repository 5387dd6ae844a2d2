-- Every condition for social action: the E1 checklist questions first, then the workshop's 8 conditions.
select condition_id, framework, group_name, position, text, source
from conditions
order by framework desc, position
