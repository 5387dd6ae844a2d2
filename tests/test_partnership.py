"""Partnership view and evidence library: comparisons, the anonymise rule, search and URL state."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from pbsa_analytics import exports, queries
from pbsa_analytics.access import LOCAL_ADMIN
from pbsa_analytics.analysis.anonymise import Anonymiser, partnership_label
from pbsa_analytics.analysis.cohort import monitoring_comparison, nearest_peers
from pbsa_analytics.periods import Period, parse_period
from pbsa_analytics.services import partnership as partnership_service
from pbsa_analytics.services.demo import load_demo
from pbsa_analytics.services.partnership import PartnershipView, build_view, scoped_runner, summary_lines
from pbsa_analytics.store import Store
from pbsa_analytics.ui.safe_text import md
from tests.imports_support import fresh_store
from tests.test_cli import run_cli
from tests.test_pages import open_page, page_text

FOCUS = "hartlepool"


def view_for(store: Store, *, anonymise: bool, place_id: str = FOCUS, period: Period | None = None) -> PartnershipView:
    """The partnership view as a funder admin sees it, through the same scoped query runner as the CLI."""
    run = scoped_runner(store, LOCAL_ADMIN)
    return build_view(
        run=run, store=store, principal=LOCAL_ADMIN, place_id=place_id, anonymise=anonymise, period=period
    )


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


def test_anonymised_view_leaks_no_other_place_in_data_charts_or_exports(store: Store) -> None:
    """With anonymise on, no other place's name or id is in any table, chart spec, tooltip or download."""
    view = view_for(store, anonymise=True)
    patterns = forbidden_patterns(store, FOCUS)
    texts = [
        view.heading, *view.facts, *view.phase_lines, *view.typology_notes, view.monitoring_note, view.peer_note,
        *view.monitoring_lines, "\n".join(summary_lines(view)),
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


def test_the_same_view_without_anonymise_names_the_cohort(store: Store) -> None:
    """The leak check can fail: without anonymise, other places' names are present."""
    view = view_for(store, anonymise=False)
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


@pytest.mark.parametrize(
    ("share", "said"),
    [(0.0, "0% of the programme total"), (0.0001, "under 1% of the programme total"),
     (0.004, "under 1% of the programme total"), (0.006, "1% of the programme total"),
     (0.25, "25% of the programme total"), (0.996, "over 99% of the programme total"),
     (1.0, "100% of the programme total"), (float("nan"), "no share: the programme total is 0")],
)  # fmt: skip
def test_a_tiny_share_of_the_total_is_not_shown_as_nothing(share: float, said: str) -> None:
    """A share is never rounded to what it is not: one place among thousands reads "under 1%", not "0%"; nearly
    all reads "over 99%", not "100%"; no total to share says so, not "nan%"."""
    row = pd.Series({"label": "Volunteers", "value": 5.0, "rank": 3, "reporting": 9000, "share_of_total": share,
                     "cohort_median": 4.0})  # fmt: skip
    assert f", {said} (" in partnership_service.monitoring_sentence(row)


def test_nearest_peers_rank_by_jaccard(store: Store) -> None:
    """Peers are ordered by Jaccard similarity of Phase 1 profiles, most alike first."""
    matrix = queries.run(store, "typology_matrix", phase=1, place_ids=None)
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


def test_profile_exports_as_png_and_pdf(store: Store) -> None:
    """The one-page profile renders locally to a PNG and a PDF."""
    profile = view_for(store, anonymise=True).profile_chart()
    assert exports.chart_image(profile, image_format="png").startswith(b"\x89PNG")
    assert exports.chart_image(profile, image_format="pdf").startswith(b"%PDF")


@pytest.fixture(scope="module")
def demo_partnership(built_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A private store copy loaded with the seeded synthetic demo returns (quarterly Phase 3 figures)."""
    store = fresh_store(built_db, tmp_path_factory.mktemp("partnership-demo"))
    load_demo(store)
    yield store
    store.close()


@pytest.mark.parametrize("period", ["phase-2", "fy-2023", "q-2023-10"])
def test_cli_prints_the_same_figures_as_the_page(
    demo_partnership: Store, monkeypatch: pytest.MonkeyPatch, period: str
) -> None:
    """`partnership --place hartlepool --period P` prints the page's heading, every monitoring line (value, rank,
    share, median, period and rule), typology findings, peers and sources, exactly as the page shows them."""
    monkeypatch.setenv("PBSA_DB_PATH", str(demo_partnership.db_path))
    monkeypatch.setenv("PBSA_STORE_DIR", str(demo_partnership.store_dir))
    result = run_cli("partnership", "--place", FOCUS, "--period", period, db_path=demo_partnership.db_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    app = open_page("pages/partnership.py", place=FOCUS, period=period)
    assert not app.exception, [e.value for e in app.exception]
    shown = page_text(app)
    figures = [line.removeprefix("- ") for line in lines if re.search(r"\d+(st|nd|rd|th) of \d+ reporting", line)]
    assert len(figures) == 4
    label = parse_period(period).label
    assert all(line.endswith((f"{label}, latest period", f"{label}, peak period", f"{label}, sum of periods"))
               for line in figures)  # fmt: skip
    page_lines = [str(m.value) for m in app.markdown]
    assert [line for line in page_lines if line in {f"- {md(f)}" for f in figures}] == [f"- {md(f)}" for f in figures]
    assert app.title[0].value == md(lines[0])
    sources = next(line for line in lines if line.startswith("Sources: "))
    assert md(sources) in [str(c.value) for c in app.caption]
    assert all(f"- {md(note[2:])}" in shown for note in lines if note.startswith("- Phase "))
    peers = next(frame.value for frame in app.dataframe if "similarity" in frame.value.columns)
    assert [f"- {r.place_name}: {r.similarity:.2f}" for r in peers.itertuples()] == [
        line for line in lines if re.fullmatch(r"- .+: \d\.\d\d", line)
    ]


def test_cli_refuses_an_unknown_place_or_period(built_db: Path) -> None:
    """An unknown place or period token is one line on stderr and exit 2."""
    result = run_cli("partnership", "--place", "nowhere", db_path=built_db)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("error: no place has the id, name or alias 'nowhere'")
    result = run_cli("partnership", "--place", FOCUS, "--period", "fy-23", db_path=built_db)
    assert result.returncode == 2
    assert result.stderr.startswith("error: unknown period 'fy-23'")


def _independent_band(rows: pd.DataFrame) -> pd.DataFrame:
    """Per metric and quarter, the 25th/50th/75th percentiles of the whole-quarter returns, with plain pandas."""
    start, end = pd.to_datetime(rows["period_start"]), pd.to_datetime(rows["period_end"])
    whole = (start.dt.day == 1) & start.dt.month.isin([1, 4, 7, 10]) & (end == start + pd.offsets.QuarterEnd(0))
    quarterly = rows[whole & rows["value"].notna()].assign(period_start=start[whole])
    grouped = quarterly.groupby(["metric", "period_start"])["value"]
    return pd.DataFrame(
        {
            "places": grouped.size(),
            "q1": grouped.quantile(0.25),
            "median": grouped.median(),
            "q3": grouped.quantile(0.75),
        }
    ).reset_index()


@pytest.mark.parametrize("period", ["phase-3", "fy-2023", "all"])
def test_cohort_band_appears_with_several_quarters_and_matches_pandas(demo_partnership: Store, period: str) -> None:
    """With the demo store, a period holding several quarters adds the quarterly cohort band, whose median and
    middle half per metric and quarter equal pandas quantiles of the imported returns, with this place's own line."""
    chosen = parse_period(period)
    view = view_for(demo_partnership, anonymise=False, period=chosen)
    section = next(s for s in view.sections if s.name == "monitoring_over_time")
    rows = demo_partnership.execute("select * from monitoring")
    rows = rows[(rows["phase"] == chosen.phase) if chosen.phase else rows["phase"].notna()]
    rows = rows[(pd.to_datetime(rows["period_start"]).dt.date >= chosen.start)
                & (pd.to_datetime(rows["period_end"]).dt.date <= chosen.end)]  # fmt: skip
    expected = _independent_band(rows).sort_values(["metric", "period_start"]).reset_index(drop=True)
    shown = section.data.assign(period_start=pd.to_datetime(section.data["period_start"]))
    shown = shown.sort_values(["metric", "period_start"]).reset_index(drop=True)
    assert len(expected) > 4
    assert expected["period_start"].nunique() > 1
    pd.testing.assert_frame_equal(
        shown[["metric", "period_start", "places", "q1", "median", "q3"]],
        expected[["metric", "period_start", "places", "q1", "median", "q3"]],
        check_dtype=False,
    )
    own = rows[rows["place_id"] == FOCUS].assign(period_start=lambda f: pd.to_datetime(f["period_start"]))
    merged = shown.merge(own[["metric", "period_start", "value"]], on=["metric", "period_start"], suffixes=("", "_own"))
    assert len(merged)
    assert (merged["value"] == merged["value_own"]).all()
    assert set(shown["period"]) == {chosen.label}
    assert set(shown["rule"]) == {"per quarter (not combined)"}
    assert chosen.label in section.caption
    assert "Monitoring return synthetic-demo-" in section.caption


def test_one_period_has_no_cohort_band(store: Store) -> None:
    """With only the published data (one reporting period per place), no quarterly band is shown."""
    view = view_for(store, anonymise=False, period=parse_period("phase-2"))
    assert "monitoring_over_time" not in [s.name for s in view.sections]


def test_evidence_results_are_paged_and_the_page_is_in_the_url(db_env: Path, store: Store) -> None:
    """Browsing every record draws 25 cards a page; ?page=2 draws the next 25 of the same order; a new search
    starts again at page 1."""
    total = min(int(store.execute("select count(*) as n from evidence")["n"].iloc[0]), 200)
    first, second = open_page("pages/evidence.py"), open_page("pages/evidence.py", page="2")

    def cards(app) -> list[str]:
        # Each card is a heading line, then its summary, then its citation caption.
        return [str(caption.value) for caption in app.caption if str(caption.value).startswith("Source: ")]

    assert len(cards(first)) == 25
    assert len(cards(second)) == min(25, total - 25)
    assert second.selectbox(key="evidence_page").value == 2
    assert second.selectbox(key="evidence_page").options == [str(n) for n in range(1, -(-total // 25) + 1)]
    second.selectbox(key="evidence_page").set_value(3).run()
    assert second.query_params["page"] == "3"
    second.text_input(key="evidence_q").set_value("community").run()
    assert not second.exception
    assert second.query_params.get("page") is None or second.selectbox(key="evidence_page").value == 1


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ({"local_authority": "Hartlepool", "lad_code": "E06000001", "lad_year": 2021},
         "Local authority: Hartlepool (E06000001, ONS 2021)"),
        ({"local_authority": None, "lad_code": None, "lad_year": pd.NA}, "Local authority: not recorded"),
        ({"local_authority": "Somewhere", "lad_code": None, "lad_year": None}, "Local authority: Somewhere"),
    ],
)  # fmt: skip
def test_a_missing_local_authority_reads_as_not_recorded(details: dict, expected: str) -> None:
    """A place whose sources give no local authority or partnership name says so, never 'None' or '<NA>'."""
    place = pd.Series({"place_name": "Place", "partnership_name": None, **details})
    assert partnership_service.local_authority_line(place) == expected
    assert partnership_service.heading_line(place) == "Place"
