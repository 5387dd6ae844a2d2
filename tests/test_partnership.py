"""Partnership view and evidence library: comparisons, the anonymise rule, search and URL state."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from pbsa_analytics import exports, queries
from pbsa_analytics.analysis.anonymise import Anonymiser, partnership_label
from pbsa_analytics.analysis.cohort import monitoring_comparison, nearest_peers
from pbsa_analytics.store import Store
from pbsa_analytics.ui.partnership import build_view
from tests.test_pages import open_page, page_text

FOCUS = "hartlepool"


def forbidden_patterns(store: Store, focus: str) -> list[re.Pattern]:
    """Every other place's id and every name variant of it, as whole-word case-insensitive patterns."""
    variants = queries.run(store, "place_name_variants")
    others = variants[variants["place_id"] != focus]
    own = {name.lower() for name in variants.loc[variants["place_id"] == focus, "name"]}
    tokens = (set(others["name"]) | set(others["place_id"])) - {None}
    return [
        re.compile(rf"(?<![\w]){re.escape(token)}(?![\w])", re.IGNORECASE)
        for token in tokens
        if token.lower() not in own and len(token) >= 3
    ]


def leaks(text: str, patterns: list[re.Pattern]) -> list[str]:
    return sorted({match.group(0) for pattern in patterns for match in pattern.finditer(text)})


def test_labels_run_a_to_z_then_aa() -> None:
    """Labels are Partnership A..Z, then AA, AB, ... so any cohort size gets unique labels."""
    assert [partnership_label(i) for i in (0, 1, 25, 26, 27)] == [
        "Partnership A", "Partnership B", "Partnership Z", "Partnership AA", "Partnership AB",
    ]  # fmt: skip


def test_anonymiser_scrubs_names_inside_sentences(store: Store) -> None:
    """Other places named mid-sentence, in any case, become their labels; the focus place keeps its name."""
    scrub = Anonymiser.build(focus_place_id=FOCUS, variants=queries.run(store, "place_identities"), secret=b"test")
    text = scrub.text("Hartlepool worked with COVENTRY and Onion Collective CIC in Bootle.")
    assert "Hartlepool" in text
    assert not leaks(text, forbidden_patterns(store, FOCUS))
    assert "Partnership" in text


@pytest.mark.usefixtures("db_env")
def test_anonymised_view_leaks_no_other_place_in_data_charts_or_exports(store: Store) -> None:
    """With anonymise on, no other place's name or id is in any table, chart spec, tooltip or download."""
    view = build_view(place_id=FOCUS, anonymise=True)
    patterns = forbidden_patterns(store, FOCUS)
    texts = [
        view.heading, *view.facts, *view.phase_lines, *view.typology_notes, view.monitoring_note, view.peer_note,
        exports.to_csv_bytes(view.page_data()).decode("utf-8-sig"),
        exports.to_csv_bytes(view.peers).decode("utf-8-sig"),
        json.dumps(view.profile_chart().to_dict()),
        exports.chart_image(view.profile_chart(), image_format="svg").decode("utf-8"),
    ]  # fmt: skip
    for section in view.sections:
        texts += [json.dumps(section.chart.to_dict()), exports.to_csv_bytes(section.data).decode("utf-8-sig")]
    xlsx = pd.read_excel(io.BytesIO(exports.to_xlsx_bytes(view.page_data())))
    texts.append(xlsx.to_csv())
    found = leaks("\n".join(texts), patterns)
    assert found == []
    assert re.search(r"Partnership [A-Z]+\b", "\n".join(texts))


@pytest.mark.usefixtures("db_env")
def test_the_same_view_without_anonymise_names_the_cohort(store: Store) -> None:
    """The leak check can fail: without anonymise, other places' names are present."""
    view = build_view(place_id=FOCUS, anonymise=False)
    assert leaks(exports.to_csv_bytes(view.page_data()).decode("utf-8-sig"), forbidden_patterns(store, FOCUS))


def test_anonymised_page_shows_no_other_place(db_env: Path, store: Store) -> None:
    """The rendered page with ?anon=1 contains no other place's name or id anywhere, including widgets."""
    app = open_page("pages/partnership.py", place=FOCUS, anon="1")
    assert not app.exception
    rendered = [page_text(app)]
    rendered += [json.dumps(str(element.proto)) for element in app.get("vega_lite_chart")]
    rendered += [str(element.value) for element in app.dataframe]
    rendered += [str(widget.options) for widget in app.selectbox]
    found = leaks("\n".join(rendered), forbidden_patterns(store, FOCUS))
    assert found == []
    assert app.toggle(key="partnership_anon").value is True


def test_unknown_place_says_so_and_offers_the_list(db_env: Path) -> None:
    """?place=nowhere explains no place has that id (the value shown as text) and shows the picker of 20 places."""
    app = open_page("pages/partnership.py", place="nowhere")
    assert "no place has this id, name or alias" in app.warning[0].value
    assert "place=nowhere" in [text.value for text in app.text]
    assert len(app.selectbox(key="partnership_place").options) == 20


def test_partnership_header_and_comparison(db_env: Path) -> None:
    """Hartlepool's page names its local authority code, leads per phase and its rank for beneficiaries."""
    app = open_page("pages/partnership.py", place=FOCUS)
    text = page_text(app)
    assert "E06000001" in text
    assert "Phase 3: took part; lead: Joseph Rowntree Housing Trust" in text
    assert "Beneficiaries: 14,319, 2nd of 9 reporting" in str([c.proto.spec for c in app.get("vega_lite_chart")])


def test_choosing_a_place_writes_the_url(db_env: Path) -> None:
    """Picking a place in the selectbox puts ?place= in the URL."""
    app = open_page("pages/partnership.py")
    app.selectbox(key="partnership_place").set_value("lincoln").run()
    assert app.query_params["place"] == "lincoln"
    assert app.title[0].value.startswith("Lincoln")


def test_phase1_only_place_has_no_monitoring_but_has_peers(db_env: Path) -> None:
    """A Phase 1-only place says why it has no figures and still gets typology peers."""
    app = open_page("pages/partnership.py", place="andover")
    assert "only for the Phase 2 partnerships" in page_text(app)
    peers = next(frame.value for frame in app.dataframe if "similarity" in frame.value.columns)
    assert len(peers) == 3


def test_monitoring_comparison_keeps_missing_values_missing() -> None:
    """A place with no figure gets no rank or share, and its null is left out of the median."""
    values = pd.DataFrame(
        {"place_id": ["a", "b", "c"], "metric": ["m"] * 3, "label": ["M"] * 3, "value": [10.0, None, 30.0]}
    )
    missing = monitoring_comparison(values, place_id="b").iloc[0]
    assert pd.isna(missing["value"])
    assert missing["rank"] is None
    assert missing["cohort_median"] == 20
    top = monitoring_comparison(values, place_id="c").iloc[0]
    assert (top["rank"], top["share_of_total"]) == (1, 0.75)


def test_nearest_peers_rank_by_jaccard(store: Store) -> None:
    """Peers are ordered by Jaccard similarity of Phase 1 profiles, most alike first."""
    matrix = queries.run(store, "typology_matrix", phase=1)
    peers = nearest_peers(matrix, place_id=FOCUS, count=19)
    assert peers["similarity"].is_monotonic_decreasing
    assert peers["similarity"].between(0, 1).all()


def test_evidence_search_matches_all_words_case_insensitively(db_env: Path) -> None:
    """?q=Food parcels finds only records containing both words, in any case."""
    app = open_page("pages/evidence.py", q="Food PARCELS")
    assert app.text_input(key="evidence_q").value == "Food PARCELS"
    count_line = next(m.value for m in app.markdown if "evidence records match" in m.value)
    n = int(re.search(r"\*\*(\d+)", count_line).group(1))
    assert n > 0
    bodies = [m.value.lower() for m in app.markdown if "food" in m.value.lower()]
    assert all("parcel" in body for body in bodies)


def test_evidence_filters_round_trip_through_the_url(db_env: Path) -> None:
    """Filters come from the URL and changing one writes it back."""
    app = open_page("pages/evidence.py", place="lincoln", outcome="empowerment")
    assert app.selectbox(key="evidence_place").value == "lincoln"
    assert "**6 evidence records match.**" in page_text(app)
    app.selectbox(key="evidence_phase").set_value(3).run()
    assert app.query_params["phase"] == "3"
    assert "Nothing matches" in page_text(app)


@pytest.mark.usefixtures("db_env")
def test_profile_exports_as_png_and_pdf() -> None:
    """The one-page profile renders locally to a PNG and a PDF."""
    profile = build_view(place_id=FOCUS, anonymise=True).profile_chart()
    assert exports.chart_image(profile, image_format="png").startswith(b"\x89PNG")
    assert exports.chart_image(profile, image_format="pdf").startswith(b"%PDF")
