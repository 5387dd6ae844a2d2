"""Ranked evidence search: a stemmed term table built with the store, so a search is a join, not a scan.

Why: matching every word by substring over 100,000 summaries scans them all and cannot rank. At build time
every distinct word of the searchable text is stemmed once by the Snowball English stemmer (parcels -> parcel,
volunteering -> volunteer) and each record's term counts are stored, ordered by term so DuckDB skips the
blocks a search does not need; evidence_search ranks the matches with BM25 over that table.
"""

from __future__ import annotations

import re
from functools import lru_cache

import duckdb
import pandas as pd
import snowballstemmer

MAX_TERMS = 20
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


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def search_terms(text: str) -> list[str]:
    """The distinct stemmed terms of a search box's text, in order, at most MAX_TERMS."""
    terms = dict.fromkeys(_stem(word) for word in _WORD.findall(text.lower()))
    return list(terms)[:MAX_TERMS]


def build_search_index(con: duckdb.DuckDBPyConnection) -> None:
    """Create evidence_terms (evidence_id, term, tf) and evidence_lengths (evidence_id, length)."""
    con.execute(f"create temp table evidence_words as {_WORDS_SQL}")
    words = con.execute("select distinct word from evidence_words").df()["word"]
    stems = pd.DataFrame({"word": words, "term": [_stem(word) for word in words]})
    con.register("word_stems", stems)
    con.execute(
        """
        create table evidence_terms as
        select w.evidence_id, s.term, count(*)::integer as tf
        from evidence_words as w
        inner join word_stems as s on s.word = w.word
        group by w.evidence_id, s.term
        order by s.term, w.evidence_id
        """
    )
    con.execute(
        """
        create table evidence_lengths as
        select e.evidence_id, coalesce(w.length, 0)::integer as length
        from evidence as e
        left join (select evidence_id, count(*) as length from evidence_words group by evidence_id) as w
            on w.evidence_id = e.evidence_id
        """
    )
    con.unregister("word_stems")
    con.execute("drop table evidence_words")
