-- Evidence holding every search term and matching the chosen filters ('' or 0 means any), best match first.
-- Terms are Snowball stems (store/search_index.py), so "parcels" finds "parcel" and "volunteering" "volunteers".
-- Relevance is BM25 (k1 = 1.2, b = 0.75): each (term, record) impact is computed when the store is built, so a
-- record's score is the sum of its searched terms' impacts. Ties, and searches without words, go by browse order
-- (ord: phase, then place name, then id). matches is the number of rows before the limit, so one query gives both
-- the page and the count. Parameters are folded when the query is planned, so only one branch of `matched` runs.
-- not materialized: each branch below reads only its own terms' postings, not every filtered posting.
with filtered as not materialized (
    select term, ord, impact
    from evidence_postings
    where
        ($place_id = '' or place_id = $place_id)
        and ($phase = 0 or phase = $phase)
        and ($outcome_id = '' or outcome_id = $outcome_id)
        and ($enabler_id = '' or enabler_id = $enabler_id)
        and ($typology_id = '' or typology_id = $typology_id)
),

matched as (
    -- One term, or none (every record has a posting for the empty term): the postings are the matches.
    select ord, impact as score
    from filtered
    where len(list_distinct($terms::varchar [])) <= 1 and term = coalesce(list_extract($terms::varchar [], 1), '')
    union all
    -- Two terms: one term's postings joined to the other's on the record (at 100,000 records this matching takes a
    -- third of the time of grouping both terms' postings).
    select a.ord, a.impact + b.impact as score
    from filtered as a
    inner join filtered as b on b.ord = a.ord
    where
        len(list_distinct($terms::varchar [])) = 2
        and a.term = list_distinct($terms::varchar [])[1]
        and b.term = list_distinct($terms::varchar [])[2]
    union all
    -- More terms: the records holding every one of them.
    select ord, sum(impact) as score
    from filtered
    where len(list_distinct($terms::varchar [])) > 2 and term = any($terms::varchar [])
    group by ord
    having count(*) = len(list_distinct($terms::varchar []))
),

-- Only positions and scores until the page is chosen; its rows are then fetched by rowid (= ord).
shown as (
    select ord, score
    from matched
    order by score desc, ord
    limit $max_rows
)

select
    r.evidence_id,
    r.place_id,
    r.place_name,
    r.phase,
    r.outcome_id,
    r.outcome,
    r.enabler_id,
    r.enabler,
    r.typology_id,
    r.typology,
    r.summary,
    r.source,
    s.score / 1e9 as score,
    (select count(*) from matched) as matches
from shown as s
inner join evidence_search_rows as r on r.rowid = s.ord
order by s.score desc, s.ord
