"""Row- and column-level security: every named query runs for a principal, and is scoped before anyone sees it.

This is the one place that decides what a role may see (like row-level security in a BI tool):

- funder_admin, funder: every query as it is.
- partnership: every frame anonymised around its own place (other places become keyed labels, their ids,
  names, aliases, organisations, local authorities and codes scrubbed from every text cell; on the map they are
  only counted, one grey point per region at the region's fixed centre, with no label, phase or figure); a query
  about one other place returns no rows. Other places' monitoring figures are quasi-identifiers (an exact figure
  can be matched against a published report), so they are also coarsened and unlinked: rounded (see
  coarse_figure), their notes dropped, and labelled afresh for each metric, so one figure that gives a place away
  does not give away its other figures, typologies or evidence (see unlink_figures). An evidence search naming
  another place returns no rows: its matches would tell which anonymised records are that place's.
- public: only programme-level queries, with the small-number rule; anything else returns no rows.
- participant: no rows from any query (the pulse page reads only the pulse store).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import numbers
from collections.abc import Callable

import pandas as pd

from pbsa_analytics import queries, settings
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.analysis.anonymise import Anonymiser, TermIndex, label_id, per_distinct
from pbsa_analytics.store import Store
from pbsa_analytics.store.search_index import search_terms

# Small-number rule for the public role: a count of places below this, or a sum over fewer reporting
# partnerships than this, is shown as missing, so no single place's figure can be read off an aggregate.
SMALL_NUMBER = 3
PROGRAMME_WIDE = ""  # the focus of an anonymiser that names no place at all


def _empty(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0].copy()


def _suppress_counts(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    safe = frame.copy()
    small = safe[column].between(1, SMALL_NUMBER - 1)
    # A nullable integer: a count stays a whole number ("20 places", not "20.0") and a withheld one is missing.
    safe[column] = safe[column].astype("Int64").mask(small)
    return safe


def _public_cohorts(frame: pd.DataFrame) -> pd.DataFrame:
    return _suppress_counts(frame, "places")


def _public_totals(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    few = safe["reporting"] < SMALL_NUMBER
    for column in ("total", "published_total"):
        safe[column] = safe[column].astype("Float64").mask(few)
    return safe


def _public_timeline(frame: pd.DataFrame) -> pd.DataFrame:
    return _suppress_counts(frame, "places_taking_part")


def _public_regions(frame: pd.DataFrame) -> pd.DataFrame:
    return _suppress_counts(frame, "places")


def _unchanged(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


# The only queries a public principal gets rows from, each with its small-number treatment.
PUBLIC_QUERIES: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "phase_cohorts": _public_cohorts,
    "phases_timeline": _public_timeline,
    "monitoring_totals": _public_totals,
    "programme_outcomes": _unchanged,
    "regional_spread": _public_regions,
    "citation_rows": _unchanged,
}
# Parameters a public query is answered for; any other value gets no rows. The public's citations are of the
# programme-level scopes only: the places and typology scopes cite one place's own description, and monitoring
# rows cite partnerships' own returns, which relabelling alone does not make anonymous.
PUBLIC_PARAMETERS: dict[str, dict[str, frozenset]] = {
    "citation_rows": {"scope": frozenset({"participation", "phases", "published_totals"})},
}
# Reference text every audience reads as it is (a phone's sidebar report cites the same documents): the documents
# cited, the caveats' sentences and the metrics' definitions. It names no place (tests/test_access.py checks data/),
# so pages may keep it once per process for every session (ui/citations.py, ui/downloads.py).
REFERENCE_QUERIES = frozenset({"sources", "caveats", "metrics_list"})


def anonymiser(store: Store, *, focus_place_id: str) -> Anonymiser:
    """The anonymiser around one place (or none), built once per version of the names and label secret: names come
    from the build alone, so an import keeps it."""
    return _anonymiser(store, _version_of(store, "place_identities"), focus_place_id, settings.label_secret())


def _version_of(store: Store, name: str) -> str:
    """What a named query's result depends on: the build, and the imports only if the query reads them."""
    return store.version() if queries.reads_imports(name) else store.build_version()


# At 10,000 places the terms of every place (20,000) fill an automaton of about 15 MB that takes 0.5 s to build:
# one per store version, shared by the anonymisers around every place.
@functools.lru_cache(maxsize=2)
def _term_index(store: Store, version: str) -> TermIndex:
    return TermIndex.build(queries.run(store, "place_identities"))


# Around one place only labels and replacements are its own: keep the most recently used ones, enough for the
# partnerships (and the programme-wide view) one process serves at a time.
@functools.lru_cache(maxsize=16)
def _anonymiser(store: Store, version: str, focus_place_id: str, secret: bytes) -> Anonymiser:
    return Anonymiser.around(focus_place_id=focus_place_id, terms=_term_index(store, version), secret=secret)


# A monitoring figure: one place's value of one metric (a frame with these columns holds figures).
FIGURE_COLUMNS = frozenset({"place_id", "metric", "value"})
# Below this, other places' figures are rounded to a multiple of ROUND_TO; from it, to two significant figures.
ROUND_BELOW = 100
ROUND_TO = 5


def coarse_figure(value: object) -> object:
    """Another place's figure as a partnership sees it: to the nearest 5 below 100, two significant figures above.

    An exact figure (23 volunteers) can be matched against a published report and name the place; a rounded one
    (25) is shared by several places and still places the partnership's own exact figure within the cohort.
    """
    # numbers.Real takes numpy's scalars too: a figure passed as numpy.int64 must be rounded, not let through.
    if value is None or isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        return value
    if abs(value) < ROUND_BELOW:
        rounded = math.floor(value / ROUND_TO + 0.5) * ROUND_TO
    else:
        step = 10 ** (math.floor(math.log10(abs(value))) - 1)
        rounded = math.floor(value / step + 0.5) * step
    return type(value)(rounded)


def _keyed_permutation(labels: list[str], *, secret: bytes, salt: str) -> dict[str, str]:
    """Labels mapped onto themselves in an order keyed by the secret and a salt (e.g. a metric)."""
    ranked = sorted(labels, key=lambda label: hmac.new(secret, f"{salt}|{label}".encode(), hashlib.sha256).digest())
    return dict(zip(sorted(labels), ranked, strict=True))


def unlink_figures(frame: pd.DataFrame, *, focus_place_id: str, secret: bytes) -> pd.DataFrame:
    """Other places' figures in an anonymised frame, rounded, without notes and relabelled per metric.

    The focus place keeps its exact figures and notes. Another place is "Partnership K" for one metric and,
    independently, some other label for the next, so identifying it through one figure links nothing else;
    rows are ordered by the new labels, so row order links nothing either. Labels stay consistent within a metric
    (the same metric from two queries, or quarter by quarter, keeps the same labels).
    """
    if not set(frame.columns) >= FIGURE_COLUMNS or frame.empty:
        return frame
    safe = frame.copy()
    others = safe["place_id"] != focus_place_id
    safe["value"] = safe["value"].where(~others, per_distinct(safe["value"], coarse_figure))
    if "note" in safe.columns:
        safe["note"] = safe["note"].where(~others, None)
    if "periods_reported" in safe.columns:
        # A combined figure's own span (one place reported Nov-Feb) would link its rows across metrics.
        for column in ("period_start", "period_end"):
            if column in safe.columns:
                safe[column] = safe[column].where(~others)
    named = "place_name" in safe.columns
    new_ids = safe["place_id"].astype(object).copy()
    new_names = safe["place_name"].astype(object).copy() if named else None
    for metric, rows in safe[others].groupby("metric", sort=False):
        labels = sorted(set((rows["place_name"] if named else rows["place_id"]).tolist()))
        permutation = _keyed_permutation(labels, secret=secret, salt=str(metric))
        source = rows["place_name"] if named else rows["place_id"]
        relabelled = source.map(permutation)
        if named:
            new_names.loc[rows.index] = relabelled
            new_ids.loc[rows.index] = per_distinct(relabelled, label_id)
        else:
            new_ids.loc[rows.index] = relabelled
    safe["place_id"] = new_ids
    if named:
        safe["place_name"] = new_names
    metric_order = {metric: i for i, metric in enumerate(dict.fromkeys(safe["metric"]))}
    label_order = safe["place_name"] if named else safe["place_id"]
    label = per_distinct(label_order, str)  # a missing label sorts as its text, as before
    key = pd.DataFrame(
        {
            "metric": safe["metric"].map(metric_order).to_numpy(),
            "other": others.astype(int).to_numpy(),
            "length": label.str.len().to_numpy(),
            "label": label.to_numpy(),
        }
    )
    order = key.sort_values(["metric", "other", "length", "label"], kind="stable").index
    return safe.iloc[order].reset_index(drop=True)


# Searched terms that name a place: for each term, the places' identities (as stemmed term sets) holding it.
_IDENTITY_TERMS: dict[tuple, dict[str, list[tuple[str, frozenset[str]]]]] = {}


def _identity_terms(store: Store) -> dict[str, list[tuple[str, frozenset[str]]]]:
    """Every place's names, aliases, id, organisations and codes as search terms, indexed by each term they hold;
    built once per store version."""
    key = (id(store), store.version())
    index = _IDENTITY_TERMS.get(key)
    if index is None:
        index = {}
        identities = queries.run(store, "place_identities")
        for place_id, name in identities[["place_id", "name"]].drop_duplicates().itertuples(index=False):
            terms = frozenset(search_terms(str(name)))
            for term in terms:
                index.setdefault(term, []).append((place_id, terms))
        if len(_IDENTITY_TERMS) > 4:  # a few store versions at most; the index returned is this call's own
            _IDENTITY_TERMS.clear()
        _IDENTITY_TERMS[key] = index
    return index


def searches_another_place(store: Store, *, focus_place_id: str, terms: list[str]) -> bool:
    """The search holds every word of another place's name, alias, id, organisation or code (one the focus place
    does not share)."""
    searched = frozenset(terms)
    index = _identity_terms(store)
    candidates = [entry for term in searched for entry in index.get(term, [])]
    own = {identity for place_id, identity in candidates if place_id == focus_place_id}
    return any(
        place_id != focus_place_id and identity <= searched and identity not in own for place_id, identity in candidates
    )


def _partnership(store: Store, principal: Principal, name: str, params: dict) -> pd.DataFrame:
    frame = queries.run(store, name, **params)
    focus = principal.place_id or PROGRAMME_WIDE
    asked_for = params.get("place_id")
    terms = params.get("terms")
    # Pages pass list parameters as tuples (their cache key), the CLI and downloads as lists.
    if isinstance(terms, list | tuple) and terms and searches_another_place(store, focus_place_id=focus, terms=terms):
        return anonymiser(store, focus_place_id=focus).frame(_empty(frame))
    if isinstance(asked_for, str) and asked_for not in ("", principal.place_id):
        # Another place's own page, panel or cell: nothing, rather than a relabelled copy.
        return anonymiser(store, focus_place_id=focus).frame(_empty(frame))
    safe = anonymiser(store, focus_place_id=focus).frame(frame)
    return unlink_figures(safe, focus_place_id=focus, secret=settings.label_secret())


def _public(store: Store, name: str, params: dict) -> pd.DataFrame:
    frame = queries.run(store, name, **params)
    treat = PUBLIC_QUERIES.get(name)
    allowed = PUBLIC_PARAMETERS.get(name, {})
    if treat is None or any(params.get(key) not in values for key, values in allowed.items()):
        return anonymiser(store, focus_place_id=PROGRAMME_WIDE).frame(_empty(frame))
    return anonymiser(store, focus_place_id=PROGRAMME_WIDE).frame(treat(frame))


# Per-place grids read a page at a time, with the parameters that say which places (and their values for every place).
# Who sees names gets the page from SQL. An anonymised view is ordered by labels SQL does not know, and a page cut by
# real names would tell which labels come first; so its page is cut from the scoped whole grid.
PAGED_QUERIES: dict[str, dict[str, object]] = {
    "cohort_profiles": {"first": 0, "count": None},  # places first..first+count in name order (count null: all)
    "typology_matrix": {"place_ids": None},  # the places listed, by the ids the viewer sees (null: all)
    "typology_change": {"first": 0, "count": None},  # as cohort_profiles
}


# Most of one partnership's grids (three paged queries, three phases or phase pairs each); each entry is 20-30 MB at
# 10,000 places, so memory, not reuse, sets the size.
@functools.lru_cache(maxsize=8)
def _scoped_whole(
    store: Store, name: str, *, version: str, secret: bytes, role: Role, place_id: str | None, frozen: tuple
) -> pd.DataFrame:
    """The whole grid as a role (and its place) sees it, kept for its next pages; scoping depends on nothing else.
    The store version and label secret are in the key, so a new build, import or secret makes it again. Callers must
    not change what it returns."""
    scope = Principal(subject="scope", display_name="scope", role=role, place_id=place_id)
    return _scoped(store, scope, name, {**dict(frozen), **PAGED_QUERIES[name]})


def forget_scoped_grids() -> None:
    """Drop the kept scoped grids and anonymisers (and the stores they hold), as clearing the app's caches does."""
    _scoped_whole.cache_clear()
    _anonymiser.cache_clear()
    _term_index.cache_clear()


def _cut_page(whole: pd.DataFrame, page: dict, *, every_place: dict) -> pd.DataFrame:
    """The rows of the places a page names: by (shown) id, or first..first+count by shown name."""
    if page == every_place:
        return whole.copy()
    if "place_ids" in page:
        return whole[whole["place_id"].isin(list(page["place_ids"]))].reset_index(drop=True)
    first, count = int(page["first"]), page["count"]
    shown = sorted(whole["place_name"].dropna().unique())[first : None if count is None else first + int(count)]
    return whole[whole["place_name"].isin(shown)].reset_index(drop=True)


def _page_of_scoped(store: Store, principal: Principal, name: str, params: dict) -> pd.DataFrame:
    """The page of the grid as this principal sees it, cut from its scoped whole grid."""
    page = {key: params.pop(key) for key in PAGED_QUERIES[name]}
    frozen = tuple(sorted((key, tuple(value) if isinstance(value, list) else value) for key, value in params.items()))
    version = _version_of(store, name)  # so an import keeps a grid that does not read imports
    whole = _scoped_whole(
        store, name, version=version, secret=settings.label_secret(), role=principal.role,
        place_id=principal.place_id, frozen=frozen,
    )  # fmt: skip
    return _cut_page(whole, page, every_place=PAGED_QUERIES[name])


def withheld(principal: Principal, name: str) -> bool:
    """Whether the principal's role gets no rows at all from a named query, whatever it holds: a page then says
    nothing of it rather than presenting the empty frame as a finding ("0 reporting periods")."""
    if principal.sees_all_names or principal.role is Role.PARTNERSHIP or name in REFERENCE_QUERIES:
        return False
    return principal.role is not Role.PUBLIC or name not in PUBLIC_QUERIES


def run_scoped(store: Store, principal: Principal, name: str, /, **params: object) -> pd.DataFrame:
    """Run a named query for a principal: the rows and columns its role may see, anonymised where it must be."""
    if principal.sees_all_names or name in REFERENCE_QUERIES:
        return queries.run(store, name, **params)
    if name in PAGED_QUERIES:
        return _page_of_scoped(store, principal, name, dict(params))
    return _scoped(store, principal, name, params)


def _scoped(store: Store, principal: Principal, name: str, params: dict) -> pd.DataFrame:
    """A named query as a principal who does not see every name may see it."""
    if principal.role is Role.PARTNERSHIP:
        return _partnership(store, principal, name, params)
    if principal.role is Role.PUBLIC:
        return _public(store, name, params)
    return _empty(queries.run(store, name, **params))


def scope_frame(frame: pd.DataFrame, *, store: Store, principal: Principal) -> pd.DataFrame:
    """Scope a frame that did not come from a named query (e.g. the import history) for a principal."""
    if principal.sees_all_names:
        return frame
    if principal.role is Role.PARTNERSHIP:
        return anonymiser(store, focus_place_id=principal.place_id or PROGRAMME_WIDE).frame(frame)
    return _empty(frame)
