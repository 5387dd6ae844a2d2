-- The ONS regions that have at least one place, in name order.
select distinct region
from places
where region is not null
order by region
