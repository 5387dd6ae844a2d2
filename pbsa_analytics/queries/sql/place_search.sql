-- Places whose id, name or any alias contains the typed text (case and outer spaces ignored); exact first.
select
    a.place_id,
    p.place_name,
    bool_or(a.alias_key = lower(trim($text))) as exact
from place_aliases as a
inner join places as p on p.place_id = a.place_id
where contains(a.alias_key, lower(trim($text)))
group by a.place_id, p.place_name
order by exact desc, p.place_name
