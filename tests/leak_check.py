"""An independent leak check: which out-of-scope place identities (names, aliases, ids, leads, LA codes) a text holds.

Text and terms are compared case-insensitively with runs of spaces, underscores and hyphens made one space, and
as substrings, so a name inside a longer token ("colchester_q2", "E07000071.csv", "xColchester") is found too. The role's own terms are removed first, so a
longer own name ("North East Lincolnshire") does not count as another place ("Lincoln").
"""

from __future__ import annotations

import re

import pandas as pd

from pbsa_analytics import queries
from pbsa_analytics.store import Store

_SEPARATORS = re.compile(r"[\s_\-]+")


def normal(text: str) -> str:
    return _SEPARATORS.sub(" ", text).lower()


def identities(store: Store) -> pd.DataFrame:
    """Every identifying term of every place, straight from the store's tables."""
    sql = """
        select place_id, place_id as term from places
        union select place_id, place_name from places
        union select place_id, partnership_name from places where partnership_name is not null
        union select place_id, local_authority from places where local_authority is not null
        union select place_id, lad_code from places where lad_code is not null
        union select place_id, alias from place_aliases
        union select place_id, lead_organisation from phase_participation where lead_organisation is not null
    """
    return store.execute(sql)


def scope_terms(store: Store, own_place: str | None) -> tuple[set[str], set[str]]:
    """(forbidden, allowed) normalised terms for a role bound to own_place (None: no place at all)."""
    terms = identities(store)
    allowed = {normal(t) for t in terms.loc[terms["place_id"] == own_place, "term"]}
    forbidden = {normal(t) for t in terms.loc[terms["place_id"] != own_place, "term"]} - allowed
    return {t for t in forbidden if len(t) >= 4}, allowed


def find_leaks(text: str, *, forbidden: set[str], allowed: set[str]) -> list[str]:
    """The forbidden terms present in text once the allowed ones are taken out."""
    flat = normal(text)
    for term in sorted(allowed, key=len, reverse=True):
        flat = flat.replace(term, " ")
    return sorted(term for term in forbidden if term in flat)


def run_query_text(store: Store, name: str, **params: object) -> str:
    return queries.run(store, name, **params).to_csv()
