"""Fidelity: the store reproduces the reports' own published figures."""

from __future__ import annotations

import csv

import pytest

from pbsa_analytics import settings
from pbsa_analytics.store import Store

# Marked cells per column of Table 3 in the Phase 1 report (001_2fba633abde105e4.txt), counted on
# the printed table: these are the report's figures, not results of our code.
TABLE3_COLUMN_COUNTS = {
    "advocacy_social_movements": 20,
    "befriending_helping": 13,
    "community_asset_ownership": 12,
    "community_organising": 16,
    "cooperatively_owned_services": 4,
    "co_production": 17,
    "formal_volunteering": 20,
    "peer_support_learning": 17,
    "time_credits": 4,
}

# Column headers of Table 3 in the Phase 1 report, as printed ("&", capitals and all).
TABLE3_HEADERS = [
    "Advocacy & Social Movements", "Befriending & helping", "Community asset ownership", "Community organising",
    "Co-operatively owned services", "Co-production", "Formal volunteering", "Peer support & learning",
    "Time credits",
]  # fmt: skip

# The E1 checklist's questions (004_491d833eb0627438.txt, Table 1), as printed, in order.
E1_QUESTIONS = [
    "Are there key issues that concern citizens locally?",
    "Are there driven individuals on a mission to tackle these issues?",
    "Have people been brought together locally to discuss these issues or explore what the issues might be?",
    "Are there champions of social action in the public sector; the voluntary, community and social enterprise "
    "(VCSE) sector; and the wider community?",
    "Is there financial investment in civil society?",
    "Are there accessible spaces for citizens to use?",
    "Are expertise and advice available to citizens trying to take social action?",
    "Do citizens have time to take social action?",
    "Are there volunteering leave schemes (such as Employer Supported Volunteering) offered by public sector "
    "organisations and by other local employers?",
    "Are there currently strong, active social networks and groups in the area?",
    "Are there trusting relationships between the public sector and citizens?",
    "Are there equal and open relationships between the public sector, providers, and citizens/service users?",
    "Are there community organisers and/or local leaders who can develop social networks in the area and bring "
    "people together to take action?",
]


def test_typology_names_are_table3_headers_as_printed(store: Store) -> None:
    """Typology names reproduce Table 3's column headers exactly, in column order."""
    names = store.execute("select name from typologies order by position")["name"].tolist()
    assert names == TABLE3_HEADERS


def test_e1_checklist_questions_are_quoted_as_printed(store: Store) -> None:
    """The E1 conditions hold the checklist's questions word for word, in the printed order."""
    frame = store.execute("select text from conditions where framework = 'nef_e1_checklist' order by position")
    assert frame["text"].tolist() == E1_QUESTIONS


def test_asset_hub_example_carries_the_appendix_typologies(store: Store) -> None:
    """Bristol's emergency-hub example is tagged with a type the appendix gives for using assets as hubs."""
    row = store.execute(
        "select e.typology_id, list(t.typology_id) as appendix from evidence e, activity_typology t "
        "where e.evidence_id = 'p2-summary-bristol-4' and t.activity_id = 'assets_as_hubs' group by all"
    ).iloc[0]
    assert row["typology_id"] in list(row["appendix"])


def test_places_per_phase_are_20_10_9(store: Store) -> None:
    """Phase participation gives 20, 10 and 9 places taking part, as the reports state."""
    counts = store.execute(
        "select phase, count(*) as n from phase_participation where status = 'took_part' group by 1 order by 1"
    )
    assert counts.values.tolist() == [[1, 20], [2, 10], [3, 9]]


def test_places_funded_agree_with_participation(store: Store) -> None:
    """The phases table's places_funded matches the number of places that took part."""
    mismatch = store.execute(
        "select p.phase, p.places_funded, count(pp.place_id) as took_part from phases p "
        "left join phase_participation pp on pp.phase = p.phase and pp.status = 'took_part' "
        "group by all having p.places_funded <> count(pp.place_id)"
    )
    assert mismatch.empty, mismatch.to_string()


def test_phase2_totals_equal_the_report_total_row(store: Store) -> None:
    """Each published Phase 2 total equals the sum of the per-partnership values."""
    compared = store.execute(
        "select t.metric, t.value as published, sum(m.value) as summed, count(m.value) as reporting, "
        "t.partnerships_reporting from monitoring_published_totals t "
        "join monitoring m on m.metric = t.metric and m.phase = t.phase group by all"
    )
    assert len(compared) == 4
    for row in compared.itertuples():
        assert row.summed == row.published, row
        assert row.reporting == row.partnerships_reporting, row


def test_unshared_figures_are_null_not_zero(store: Store) -> None:
    """The partnership whose Phase 2 figures were not shared has nulls, never zeros."""
    frame = store.execute("select value, note from monitoring where place_id = 'east_marsh' and phase = 2")
    assert len(frame) == 4
    assert frame["value"].isna().all()
    assert frame["note"].str.contains("not shared").all()


def test_reporting_period_footnote_is_kept(store: Store) -> None:
    """The partnership with a different reporting period carries its own stated dates."""
    periods = store.execute(
        "select distinct place_id, period_start::varchar as s, period_end::varchar as e from monitoring "
        "where period_basis = 'stated'"
    )
    assert periods.values.tolist() == [["halifax", "2021-11-01", "2022-02-28"]]


@pytest.mark.parametrize(("typology_id", "expected"), sorted(TABLE3_COLUMN_COUNTS.items()))
def test_table3_column_counts(store: Store, typology_id: str, expected: int) -> None:
    """Phase 1 planned typologies reproduce Table 3's marked cells per column."""
    n = store.execute(
        "select count(*) as n from place_typology where phase = 1 and typology_id = $t", {"t": typology_id}
    )["n"].iloc[0]
    assert n == expected


def _read_csv(name: str) -> list[dict[str, str]]:
    with (settings.data_dir() / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_derived_typologies_follow_the_appendix(store: Store) -> None:
    """Phase 2 and 3 typologies equal an independent activity -> typology -> place walk of the files."""
    typologies_of: dict[str, set[str]] = {}
    for row in _read_csv("activity_typology.csv"):
        typologies_of.setdefault(row["activity_id"], set()).add(row["typology_id"])
    expected = {
        (row["place_id"], int(row["phase"]), typology)
        for row in _read_csv("place_activity.csv")
        for typology in typologies_of[row["activity_id"]]
    }
    derived = store.execute("select place_id, phase, typology_id from place_typology where phase > 1")
    assert set(map(tuple, derived.values.tolist())) == expected


def test_phase3_places_are_the_phase2_places_less_one(store: Store) -> None:
    """Every Phase 3 place took part in Phase 2, and exactly one Phase 2 place did not progress."""
    frame = store.execute(
        "select p2.place_id, p3.status as phase3 from phase_participation p2 "
        "left join phase_participation p3 on p3.place_id = p2.place_id and p3.phase = 3 "
        "where p2.phase = 2 and p2.status = 'took_part'"
    )
    assert len(frame) == 10
    assert (frame["phase3"] == "took_part").sum() == 9
    assert frame["phase3"].isna().sum() + (frame["phase3"] == "not_progressed").sum() == 1
