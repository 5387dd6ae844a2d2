-- Evidence matching every search word (case-insensitive) and the chosen filters; '' or 0 means any.
-- matches is the number of rows before the limit, so one query gives both the page and the count.
with searchable as (
    select
        e.*,
        lower(concat_ws(' ', e.summary, p.place_name, o.title, en.name, t.name)) as haystack,
        p.place_name,
        o.short_title as outcome,
        en.name as enabler,
        t.name as typology
    from evidence as e
    left join places as p on p.place_id = e.place_id
    left join outcomes as o on o.outcome_id = e.outcome_id
    left join enablers as en on en.enabler_id = e.enabler_id
    left join typologies as t on t.typology_id = e.typology_id
)

select
    evidence_id,
    place_id,
    place_name,
    phase,
    outcome_id,
    outcome,
    enabler_id,
    enabler,
    typology_id,
    typology,
    summary,
    source,
    count(*) over () as matches
from searchable
where
    len(list_filter($words, lambda word: not contains(haystack, word))) = 0
    and ($place_id = '' or place_id = $place_id)
    and ($phase = 0 or phase = $phase)
    and ($outcome_id = '' or outcome_id = $outcome_id)
    and ($enabler_id = '' or enabler_id = $enabler_id)
    and ($typology_id = '' or typology_id = $typology_id)
order by phase, place_name nulls last, evidence_id
limit $max_rows
