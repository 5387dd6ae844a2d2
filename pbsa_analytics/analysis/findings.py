"""Sentences that state what a chart shows, computed from its data so titles never go stale."""

from __future__ import annotations

import pandas as pd


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def typology_finding(counts: pd.DataFrame, *, phase: int) -> str:
    """Which typologies every place shares and which is rarest, for one phase, from
    analysis.ordering.marks_per_typology."""
    places = int(counts["cohort_places"].max()) if len(counts) else 0
    if places == 0:
        return f"No places took part in Phase {phase}"
    marked = counts.set_index("typology_name")["places_marked"]
    universal = [name for name, n in marked.items() if n == places]
    rarest = marked[marked == marked.min()]
    rare_text = f"fewest: {_join(list(rarest.index))} ({int(rarest.iloc[0])} of {places})"
    if universal:
        return f"All {places} places in Phase {phase} share {_join(universal)}; {rare_text}"
    top = marked.idxmax()
    return f"{top} is the most common type in Phase {phase} ({int(marked.max())} of {places}); {rare_text}"


# Up to this many places with no data are named in a change finding; more are counted.
NAMED_MISSING_MAX = 5


def change_finding(places: pd.DataFrame, *, from_phase: int, to_phase: int) -> str:
    """How many typology marks were kept, added and dropped between two phases, counting only places the sources
    describe in both; places with no data in one phase are named (counted when many), not counted as dropped.

    `places` holds a row per place in both phases (query typology_change_places)."""
    if places.empty:
        return f"No place took part in both Phase {from_phase} and Phase {to_phase}"
    no_data = places["missing_phase"].notna()
    known = places[~no_data]
    finding = (
        f"Across {len(known):,} places from Phase {from_phase} to Phase {to_phase}: "
        f"{int(known['kept'].sum()):,} typologies kept, {int(known['added'].sum()):,} added, "
        f"{int(known['dropped'].sum()):,} dropped"
    )
    missing = sorted(places.loc[no_data, "place_name"])
    if len(missing) > NAMED_MISSING_MAX:
        finding += f"; no data for {len(missing):,} places in one phase, so not counted"
    elif missing:
        finding += f"; no data for {_join(missing)} in one phase, so not counted"
    return finding


def outcome_finding(coverage: pd.DataFrame) -> str:
    """Which place-level outcome has evidence from most and fewest places."""
    if coverage.empty:
        return "No outcome evidence for these places"
    best = coverage.sort_values("places_with_evidence", ascending=False).iloc[0]
    worst = coverage.sort_values("places_with_evidence").iloc[0]
    return (
        f"{best['outcome']}: evidence from {best['places_with_evidence']} of {best['places']} places; "
        f"{worst['outcome'].lower()}: {worst['places_with_evidence']} of {worst['places']}"
    )


def outcome_coverage(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: places with at least one evidence record, out of the places shown."""
    if matrix.empty:
        return pd.DataFrame(columns=["outcome_id", "outcome", "places_with_evidence", "places", "label"])
    coverage = matrix.groupby(["outcome_id", "outcome", "outcome_position"], as_index=False).agg(
        places_with_evidence=("evidence_records", lambda n: int((n > 0).sum())),
        places=("place_id", "nunique"),
        evidence_records=("evidence_records", "sum"),
    )
    coverage["label"] = (
        coverage["places_with_evidence"].astype(str) + " of " + coverage["places"].astype(str) + " places"
    )
    return coverage.sort_values("outcome_position").reset_index(drop=True)


WITHHELD_COUNT = "a few (withheld)"
# More typologies tied than this are counted rather than listed, so a chart title stays a line or two.
MAX_TIED_NAMED = 3


def count_text(count: object) -> str:
    """A count as shown: a whole number, or words for one withheld as too small to publish (missing, not zero)."""
    return WITHHELD_COUNT if pd.isna(count) else str(int(count))


def places_text(count: object) -> str:
    return f"{count_text(count)} places"


def funnel_finding(cohorts: pd.DataFrame) -> str:
    """The size of each phase's cohort as one sentence (a count withheld as too small is said so)."""
    sizes = " → ".join(count_text(n) for n in cohorts["places"])
    return f"{sizes}: the programme narrowed its places at each phase"


def shift_finding(shift: pd.DataFrame) -> str:
    """The typologies that grew most and those that faded most from first to last phase, every tied one named."""
    first, last = shift["phase"].min(), shift["phase"].max()
    wide = shift.pivot_table(index="typology_name", columns="phase", values="places", aggfunc="sum").fillna(0)
    if first == last or wide.empty:
        return "Only one phase to compare"
    delta = wide[last] - wide[first]
    if delta.max() == delta.min():
        return f"From Phase {first} to Phase {last}, every typology changed by {int(delta.max()):+d} places"

    def named(names: list[str]) -> str:
        if len(names) > MAX_TIED_NAMED:
            return f"{len(names)} typologies (each {int(delta[names[0]]):+d} places)"
        each = [f"{name} ({int(wide.loc[name, first])} → {int(wide.loc[name, last])} places)" for name in names]
        return each[0] if len(each) == 1 else ", ".join(each[:-1]) + " and " + each[-1]

    grew, faded = (sorted(delta.index[delta == extreme]) for extreme in (delta.max(), delta.min()))
    # When nothing grew, the 'top' typologies are the ones that shrank least; when everything grew, the 'bottom'
    # ones grew least rather than faded.
    rise = "grew most" if delta.max() > 0 else "changed least"
    fall = "grew least" if delta.min() > 0 else "faded most"
    return f"From Phase {first} to Phase {last}, {named(faded)} {fall}; {named(grew)} {rise}"
