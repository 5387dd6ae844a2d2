-- Evidence holding every search term and matching the chosen filters ('' or 0 means any), best match first.
-- Terms are Snowball stems (store/search_index.py), so "parcels" finds "parcel" and "volunteering" "volunteers".
-- Relevance is BM25 (k1 = 1.2, b = 0.75) over evidence_terms; ties, and searches without words, go by phase and place.
-- matches is the number of rows before the limit, so one query gives both the page and the count.
with wanted as (
    select distinct unnest($terms::varchar []) as term
),

corpus as (
    select count(*) as documents, avg(length) as average_length
    from evidence_lengths
),

term_weights as (
    select
        t.term,
        ln(1 + (any_value(c.documents) - count(*) + 0.5) / (count(*) + 0.5)) as idf
    from evidence_terms as t
    cross join corpus as c
    where t.term in (select w.term from wanted as w)
    group by t.term
),

scored as (
    select
        t.evidence_id,
        sum(w.idf * t.tf * 2.2 / (t.tf + 1.2 * (0.25 + 0.75 * l.length / c.average_length))) as score
    from evidence_terms as t
    inner join term_weights as w on w.term = t.term
    inner join evidence_lengths as l on l.evidence_id = t.evidence_id
    cross join corpus as c
    group by t.evidence_id
    having count(*) = (select count(*) from wanted)
),

candidates as (
    select evidence_id, score from scored
    union all
    select evidence_id, 0.0 as score
    from evidence
    where len($terms::varchar []) = 0
),

-- Only ids and sort keys until the page is chosen, so counting and sorting never carry the summaries.
matched as (
    select c.evidence_id, c.score, e.phase, p.place_name
    from candidates as c
    inner join evidence as e on e.evidence_id = c.evidence_id
    left join places as p on p.place_id = e.place_id
    where
        ($place_id = '' or e.place_id = $place_id)
        and ($phase = 0 or e.phase = $phase)
        and ($outcome_id = '' or e.outcome_id = $outcome_id)
        and ($enabler_id = '' or e.enabler_id = $enabler_id)
        and ($typology_id = '' or e.typology_id = $typology_id)
),

shown as (
    select *
    from matched
    order by score desc, phase, place_name nulls last, evidence_id
    limit $max_rows
)

select
    e.evidence_id,
    e.place_id,
    s.place_name,
    e.phase,
    e.outcome_id,
    o.short_title as outcome,
    e.enabler_id,
    en.name as enabler,
    e.typology_id,
    t.name as typology,
    e.summary,
    e.source,
    s.score,
    (select count(*) from matched) as matches
from shown as s
inner join evidence as e on e.evidence_id = s.evidence_id
left join outcomes as o on o.outcome_id = e.outcome_id
left join enablers as en on en.enabler_id = e.enabler_id
left join typologies as t on t.typology_id = e.typology_id
order by s.score desc, s.phase, s.place_name nulls last, s.evidence_id
