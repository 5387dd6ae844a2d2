-- How many evidence records match every search word and the chosen filters; '' or 0 means any.
with searchable as (
    select
        e.*,
        lower(concat_ws(' ', e.summary, p.place_name, o.title, en.name, t.name)) as haystack
    from evidence as e
    left join places as p on p.place_id = e.place_id
    left join outcomes as o on o.outcome_id = e.outcome_id
    left join enablers as en on en.enabler_id = e.enabler_id
    left join typologies as t on t.typology_id = e.typology_id
)

select count(*) as matches
from searchable
where
    len(list_filter($words, lambda word: not contains(haystack, word))) = 0
    and ($place_id = '' or place_id = $place_id)
    and ($phase = 0 or phase = $phase)
    and ($outcome_id = '' or outcome_id = $outcome_id)
    and ($enabler_id = '' or enabler_id = $enabler_id)
    and ($typology_id = '' or typology_id = $typology_id)
