"""The Phase 2 cohort on /phases: counts from SQL, one page of places fetched at a time, in the viewer's own order."""

from __future__ import annotations

import pandas as pd
import pytest

from pbsa_analytics import queries
from pbsa_analytics.access import Principal, Role
from pbsa_analytics.services.scoping import forget_scoped_grids, run_scoped
from pbsa_analytics.store import Store
from tests.leak_check import find_leaks, scope_terms

OWN = "hartlepool"
FUNDER = Principal(subject="f@example.org", display_name="F", role=Role.FUNDER)
PARTNERSHIP = Principal(subject="p@example.org", display_name="P", role=Role.PARTNERSHIP, place_id=OWN)
PUBLIC = Principal(subject="v@example.org", display_name="V", role=Role.PUBLIC)


def _pandas_shift(profiles: pd.DataFrame) -> pd.DataFrame:
    """The counts computed independently, in pandas, from every place's profile rows."""
    return profiles.groupby(["phase", "typology_id", "typology_name", "typology_position"], as_index=False).agg(
        places=("marked", "sum"), cohort=("place_id", "nunique")
    )


@pytest.mark.parametrize("cohort_phase", [1, 2, 3])
def test_cohort_shift_counts_what_the_per_place_profiles_hold(store: Store, cohort_phase: int) -> None:
    """The SQL counts per phase and typology equal pandas' count over every place's profile rows."""
    profiles = queries.run(store, "cohort_profiles", cohort_phase=cohort_phase, first=0, count=None)
    pd.testing.assert_frame_equal(
        queries.run(store, "cohort_shift", cohort_phase=cohort_phase), _pandas_shift(profiles)
    )


@pytest.mark.parametrize("size", [1, 3, 7])
def test_pages_of_profiles_put_together_are_the_whole_grid(store: Store, size: int) -> None:
    """For a funder, page after page (any page size) gives every row of cohort_profiles once, in its order."""
    whole = queries.run(store, "cohort_profiles", cohort_phase=2, first=0, count=None)
    places = whole["place_id"].nunique()
    pages = [
        run_scoped(store, FUNDER, "cohort_profiles", cohort_phase=2, first=first, count=size)
        for first in range(0, places, size)
    ]
    assert all(page["place_id"].nunique() == min(size, places - i * size) for i, page in enumerate(pages))
    pd.testing.assert_frame_equal(pd.concat(pages, ignore_index=True), whole)
    past_the_end = run_scoped(store, FUNDER, "cohort_profiles", cohort_phase=2, first=places, count=size)
    assert past_the_end.empty


def test_a_partnerships_page_is_cut_from_its_labels_not_from_real_names(store: Store) -> None:
    """A partnership's page holds the places whose labels come first (its own name and labels only), so which
    labels share a page says nothing about the real names' alphabetical order."""
    whole = run_scoped(store, PARTNERSHIP, "cohort_profiles", cohort_phase=2, first=0, count=None)
    labels = sorted(whole["place_name"].unique())
    for first in range(0, len(labels), 3):
        page = run_scoped(store, PARTNERSHIP, "cohort_profiles", cohort_phase=2, first=first, count=3)
        assert sorted(page["place_name"].unique()) == labels[first : first + 3]
        pd.testing.assert_frame_equal(
            page, whole[whole["place_name"].isin(labels[first : first + 3])].reset_index(drop=True)
        )
        forbidden, allowed = scope_terms(store, OWN)
        assert find_leaks(page.to_csv(index=False), forbidden=forbidden, allowed=allowed) == []


def test_public_gets_no_page_of_places(store: Store) -> None:
    """The public role gets no rows of a per-place grid, a page included."""
    assert run_scoped(store, PUBLIC, "cohort_profiles", cohort_phase=2, first=0, count=60).empty


def test_a_partnerships_next_page_reuses_its_scoped_grid(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Turning a partnership's page does not query and anonymise the whole grid again (it is kept per version)."""
    asked: list[str] = []
    real_run = queries.run

    def counting(store_: Store, name: str, /, **params: object) -> pd.DataFrame:
        asked.append(name)
        return real_run(store_, name, **params)

    monkeypatch.setattr(queries, "run", counting)
    forget_scoped_grids()  # kept grids are shared by the whole test session
    other_place = Principal(subject="q@example.org", display_name="Q", role=Role.PARTNERSHIP, place_id="lincoln")
    run_scoped(store, other_place, "cohort_profiles", cohort_phase=3, first=0, count=3)
    run_scoped(store, other_place, "cohort_profiles", cohort_phase=3, first=3, count=3)
    assert asked.count("cohort_profiles") == 1
