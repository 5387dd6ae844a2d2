"""Row- and column-level security: every named query runs for a principal, and is scoped before anyone sees it.

This is the one place that decides what a role may see (like row-level security in a BI tool):

- funder_admin, funder: every query as it is.
- partnership: every frame anonymised around its own place (other places become keyed labels, their ids,
  names, aliases, organisations, local authorities and codes scrubbed from every text cell; on the map they are
  only counted, one grey point per region at the region's fixed centre, with no label, phase or figure); a query
  about one other place returns no rows.
- public: only programme-level queries, with the small-number rule; anything else returns no rows.
- participant: no rows from any query (the pulse page reads only the pulse store).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pbsa_analytics import queries, settings
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.analysis.anonymise import Anonymiser
from pbsa_analytics.store import Store

# Small-number rule for the public role: a count of places below this, or a sum over fewer reporting
# partnerships than this, is shown as missing, so no single place's figure can be read off an aggregate.
SMALL_NUMBER = 3
PROGRAMME_WIDE = ""  # the focus of an anonymiser that names no place at all


def _empty(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0].copy()


def _suppress_counts(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    safe = frame.copy()
    small = safe[column].between(1, SMALL_NUMBER - 1)
    safe[column] = safe[column].astype("Float64").mask(small)
    return safe


def _public_cohorts(frame: pd.DataFrame) -> pd.DataFrame:
    return _suppress_counts(frame.assign(place_names=None), "places")


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
    "metrics_list": _unchanged,
    "programme_outcomes": _unchanged,
    "regional_spread": _public_regions,
}

_ANONYMISERS: dict[tuple, Anonymiser] = {}


def anonymiser(store: Store, *, focus_place_id: str) -> Anonymiser:
    """The anonymiser around one place (or none), built once per store version and label secret."""
    key = (id(store), store.version(), focus_place_id, settings.label_secret())
    if key not in _ANONYMISERS:
        if len(_ANONYMISERS) > 256:
            _ANONYMISERS.clear()
        _ANONYMISERS[key] = Anonymiser.build(
            focus_place_id=focus_place_id,
            variants=queries.run(store, "place_identities"),
            secret=settings.label_secret(),
        )
    return _ANONYMISERS[key]


def _partnership(store: Store, principal: Principal, name: str, params: dict) -> pd.DataFrame:
    frame = queries.run(store, name, **params)
    asked_for = params.get("place_id")
    if isinstance(asked_for, str) and asked_for not in ("", principal.place_id):
        # Another place's own page, panel or cell: nothing, rather than a relabelled copy.
        return anonymiser(store, focus_place_id=principal.place_id or PROGRAMME_WIDE).frame(_empty(frame))
    return anonymiser(store, focus_place_id=principal.place_id or PROGRAMME_WIDE).frame(frame)


def _public(store: Store, name: str, params: dict) -> pd.DataFrame:
    frame = queries.run(store, name, **params)
    treat = PUBLIC_QUERIES.get(name)
    if treat is None:
        return anonymiser(store, focus_place_id=PROGRAMME_WIDE).frame(_empty(frame))
    return anonymiser(store, focus_place_id=PROGRAMME_WIDE).frame(treat(frame))


def run_scoped(store: Store, principal: Principal, name: str, /, **params: object) -> pd.DataFrame:
    """Run a named query for a principal: the rows and columns its role may see, anonymised where it must be."""
    if principal.sees_all_names:
        return queries.run(store, name, **params)
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
