"""Ranked evidence search: BM25 impacts computed when the store is built, so a search is a scan of postings.

Why: matching every word by substring over 100,000 summaries scans them all and cannot rank, and ranking at query
time (document frequencies, lengths, a join per search) cost more than the scan. At build time every distinct word
of the searchable text is stemmed once by the Snowball English stemmer (parcels -> parcel, volunteering ->
volunteer), and since a store version never changes, each (term, record) pair's whole BM25 contribution is stored:

- evidence_search_rows: one row per record with what a result shows, in browse order (phase, place name, id);
  `ord` is that position and equals the row's rowid, so a page of results is fetched by rowid, and a search
  without words is the first rows that pass the filters.
- evidence_postings: (term, ord, impact) with the record's filter columns, ordered by term and ord so DuckDB
  reads only the blocks of the searched terms. `impact` is the BM25 term score (k1 = 1.2, b = 0.75) in
  billionths, an integer so that sums are exact and equal scores tie the same way on every run. Every record
  also has one posting for the empty term (BROWSE_TERM, impact 0), so a search without words is the same
  one-term lookup as a search with one word.
"""

from __future__ import annotations

import re
from functools import lru_cache

import duckdb
import pandas as pd
import snowballstemmer

from pbsa_analytics.errors import BuildError

MAX_TERMS = 20
BROWSE_TERM = ""  # never a stem: stems are runs of [a-z0-9]
IMPACT_SCALE = 1_000_000_000  # impacts are stored in billionths of a BM25 point
K1 = 1.2
B = 0.75
_WORD = re.compile(r"[a-z0-9]+")
_STEMMER = snowballstemmer.stemmer("english")

# The text a record is found by: its summary and the names of what it is tagged with.
_WORDS_SQL = """
select e.evidence_id, unnest(regexp_extract_all(
    lower(concat_ws(' ', e.summary, p.place_name, o.title, en.name, t.name)), '[a-z0-9]+')) as word
from evidence as e
left join places as p on p.place_id = e.place_id
left join outcomes as o on o.outcome_id = e.outcome_id
left join enablers as en on en.enabler_id = e.enabler_id
left join typologies as t on t.typology_id = e.typology_id
"""

# What a result shows, in browse order; ord is the row's position (its rowid).
_ROWS_SQL = """
create table evidence_search_rows as
select
    (row_number() over (order by e.phase, p.place_name nulls last, e.evidence_id) - 1)::integer as ord,
    e.evidence_id,
    e.place_id,
    p.place_name,
    e.phase,
    e.outcome_id,
    o.short_title as outcome,
    e.enabler_id,
    en.name as enabler,
    e.typology_id,
    t.name as typology,
    e.summary,
    e.source
from evidence as e
left join places as p on p.place_id = e.place_id
left join outcomes as o on o.outcome_id = e.outcome_id
left join enablers as en on en.enabler_id = e.enabler_id
left join typologies as t on t.typology_id = e.typology_id
order by ord
"""

# BM25 per (term, record): idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average length)).
_POSTINGS_SQL = """
create table evidence_postings as
with term_counts as (
    select w.evidence_id, s.term, count(*) as tf
    from evidence_words as w
    inner join word_stems as s on s.word = w.word
    group by w.evidence_id, s.term
),

lengths as (
    select r.evidence_id, r.ord, coalesce(w.length, 0) as length
    from evidence_search_rows as r
    left join (select evidence_id, count(*) as length from evidence_words group by evidence_id) as w
        on w.evidence_id = r.evidence_id
),

corpus as (
    select count(*) as documents, avg(length) as average_length from lengths
),

idf as (
    select term, ln(1 + (any_value(c.documents) - count(*) + 0.5) / (count(*) + 0.5)) as idf
    from term_counts
    cross join corpus as c
    group by term
)

select
    t.term,
    l.ord,
    round($scale * i.idf * t.tf * ($k1 + 1)
        / (t.tf + $k1 * (1 - $b + $b * l.length / c.average_length)))::bigint as impact,
    r.place_id,
    r.phase,
    r.outcome_id,
    r.enabler_id,
    r.typology_id
from term_counts as t
inner join idf as i on i.term = t.term
inner join lengths as l on l.evidence_id = t.evidence_id
inner join evidence_search_rows as r on r.ord = l.ord
cross join corpus as c
union all
select $browse_term as term, ord, 0::bigint as impact, place_id, phase, outcome_id, enabler_id, typology_id
from evidence_search_rows
order by term, ord
"""


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def search_terms(text: str) -> list[str]:
    """The distinct stemmed terms of a search box's text, in order, at most MAX_TERMS."""
    terms = dict.fromkeys(_stem(word) for word in _WORD.findall(text.lower()))
    return list(terms)[:MAX_TERMS]


def build_search_index(con: duckdb.DuckDBPyConnection) -> None:
    """Create evidence_search_rows and evidence_postings (see the module docstring)."""
    con.execute(_ROWS_SQL)
    misplaced = con.execute("select count(*) from evidence_search_rows where rowid <> ord").fetchone()[0]
    if misplaced:
        raise BuildError(f"evidence_search_rows: {misplaced} rows are not at their browse position")
    con.execute(f"create temp table evidence_words as {_WORDS_SQL}")
    words = con.execute("select distinct word from evidence_words").df()["word"]
    stems = pd.DataFrame({"word": words, "term": [_stem(word) for word in words]})
    con.register("word_stems", stems)
    con.execute(_POSTINGS_SQL, {"scale": IMPACT_SCALE, "k1": K1, "b": B, "browse_term": BROWSE_TERM})
    con.unregister("word_stems")
    con.execute("drop table evidence_words")
