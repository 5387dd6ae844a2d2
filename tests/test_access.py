"""Roles and the access file, the principal-scoped runner (every query x role), anonymising and escaping."""

from __future__ import annotations

import html
import re
from importlib import resources

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from pbsa_analytics import exports, queries, settings
from pbsa_analytics.access import ROLE_HELP, AccessFileError, Principal, Role, load_access, parse_access
from pbsa_analytics.analysis.anonymise import REGION_CENTRES, Anonymiser, is_others_id, others_name
from pbsa_analytics.analysis.cohort import monitoring_comparison
from pbsa_analytics.exports.notes import ExportNotes
from pbsa_analytics.exports.report import Report, ReportSection, report_html, report_pdf
from pbsa_analytics.periods import WHOLE_PROGRAMME, phase_period
from pbsa_analytics.services.scoping import (
    ROUND_TO,
    SMALL_NUMBER,
    coarse_figure,
    run_scoped,
    unlink_figures,
    withheld,
)
from pbsa_analytics.store import Store
from pbsa_analytics.store.search_index import search_terms
from pbsa_analytics.ui.auth import RETURN_TTL_S, PendingReturns, ReturnTo, xsrf_token
from pbsa_analytics.ui.safe_text import ZERO_WIDTH_SPACE, md
from tests.leak_check import download_text, find_leaks, scope_terms

OWN = "hartlepool"
OTHER = "colchester"
PARTNERSHIP = Principal(subject="p@example.org", display_name="P", role=Role.PARTNERSHIP, place_id=OWN)
PUBLIC = Principal(subject="v@example.org", display_name="V", role=Role.PUBLIC)
PARTICIPANT = Principal(subject="phone", display_name="phone", role=Role.PARTICIPANT)
FUNDER = Principal(subject="f@example.org", display_name="F", role=Role.FUNDER)

# A value for every query parameter; a new query with a new parameter must be added here (and so considered).
PARAM_VALUES: dict[str, object] = {
    "phase": 2,
    "cohort_phase": 2,
    "first": 0,
    "count": 60,
    "place_ids": None,
    "from_phase": 1,
    "to_phase": 2,
    "min_phase": 1,
    "metric": "volunteers",
    "regions": [],
    "outcome_id": "empowerment",
    "typology_id": "advocacy_social_movements",
    "enabler_id": "",
    "words": [],
    "terms": ["food"],
    "max_rows": 10_000,
    "max_names": 60,
    "window_start": None,
    "window_end": None,
    "due_days": 30,
    "received_ids": [],
    "received_on": [],
    "scope": "monitoring",
    "text": OTHER,  # a lookup by another place's id must not name it either
}
CITATION_SCOPES = ("participation", "phases", "monitoring", "published_totals", "places", "place_typology")
# Conditions queries read a conditions folder's files ($files); services/conditions scopes them per principal
# (tests/test_conditions_store.py checks a partnership sees only its own place named).
FOLDER_QUERIES = {"conditions_answers", "conditions_change", "conditions_missing"}

# Queries whose filters should be open (any phase, outcome, typology) so that they return rows.
OPEN_FILTERS: dict[str, dict[str, object]] = {"evidence_search": {"phase": 0, "outcome_id": "", "typology_id": ""}}


def _query_names() -> list[str]:
    folder = resources.files("pbsa_analytics.queries").joinpath("sql")
    names = (entry.name.removesuffix(".sql") for entry in folder.iterdir() if entry.name.endswith(".sql"))
    return sorted(set(names) - FOLDER_QUERIES)


def _calls(store: Store, name: str) -> list[dict[str, object]]:
    """Parameter sets for a query: each place-bound query once for another place and once for the role's own."""
    wanted = set(re.findall(r"\$(\w+)", queries.load_sql(name)))
    missing = wanted - {*PARAM_VALUES, "place_id"}
    if missing:
        pytest.fail(f"add test values for {sorted(missing)} used by query {name!r}")
    params = {key: PARAM_VALUES[key] for key in wanted - {"place_id"}} | OPEN_FILTERS.get(name, {})
    if "regions" in params:
        params["regions"] = store.execute("select distinct region from places")["region"].tolist()
    if "scope" in wanted:  # every citation scope, the place-level ones included
        return [{**params, "scope": scope} for scope in CITATION_SCOPES]
    if "place_id" not in wanted:
        return [params]
    return [{**params, "place_id": OTHER}, {**params, "place_id": OWN}, {**params, "place_id": ""}]


def _seen(frame: pd.DataFrame) -> str:
    return " ".join(map(str, frame.columns)) + "\n" + frame.to_csv(index=False)


@pytest.mark.parametrize("name", _query_names())
@pytest.mark.parametrize(("principal", "own"), [(PARTNERSHIP, OWN), (PUBLIC, None), (PARTICIPANT, None)])
def test_scoped_query_holds_no_identity_outside_scope(store: Store, name: str, principal: Principal, own) -> None:
    """Every named query, run for a partnership, public or participant, returns no other place's identity."""
    forbidden, allowed = scope_terms(store, own)
    for params in _calls(store, name):
        frame = run_scoped(store, principal, name, **params)
        assert find_leaks(_seen(frame), forbidden=forbidden, allowed=allowed) == [], params


def test_control_unscoped_queries_fail_the_same_check(store: Store) -> None:
    """The check can fail: the funder's (unscoped) results name the places a partnership must not see."""
    forbidden, allowed = scope_terms(store, OWN)
    leaked = {
        name for name in _query_names()
        for params in _calls(store, name)
        if find_leaks(_seen(run_scoped(store, FUNDER, name, **params)), forbidden=forbidden, allowed=allowed)
    }  # fmt: skip
    assert {"place_points", "typology_matrix", "phase_cohort_names", "place_detail", "evidence_search"} <= leaked


def test_leak_reader_finds_a_name_in_every_download_format(store: Store) -> None:
    """The browser matrix's file reader finds a hidden place named in a CSV, XLSX cell or note, Parquet, PDF or HTML."""
    forbidden, allowed = scope_terms(store, OWN)
    frame = pd.DataFrame({"label": ["Partnership A"], "note": ["xColchester_q2"]})
    notes = ExportNotes(title="t", caveats=("from E07000071.csv",))
    text_only = Report(title="Report", sections=(ReportSection(caption="Seen in Colchester", lines=("ok",)),))
    files = {
        "t.csv": exports.to_csv_bytes(frame),
        "t.xlsx": exports.to_xlsx_bytes(frame, notes=notes),
        "notes.xlsx": exports.to_xlsx_bytes(frame.drop(columns="note"), notes=notes),
        "t.parquet": frame.to_parquet(index=False),
        "t.pdf": report_pdf(text_only),
        "t.html": report_html(text_only),
    }
    found = {
        name: find_leaks(download_text(name, data), forbidden=forbidden, allowed=allowed)
        for name, data in files.items()
    }
    assert all(found.values()), found
    assert download_text("t.png", b"\x89PNG") == ""


def test_partnership_gets_its_own_place_named_and_nothing_for_another(store: Store) -> None:
    """A partnership's own place comes back named; a query about another place returns no rows."""
    own = run_scoped(store, PARTNERSHIP, "place_detail", place_id=OWN)
    other = run_scoped(store, PARTNERSHIP, "place_detail", place_id=OTHER)
    assert own["place_name"].tolist() == ["Hartlepool"]
    assert other.empty
    assert list(other.columns) == list(own.columns)


def test_rows_about_no_place_stay_unnamed_for_a_partnership(store: Store) -> None:
    """The completeness summary's per-period rows (no place id) keep an empty name rather than a made-up label."""
    summary = run_scoped(
        store, PARTNERSHIP, "reporting_completeness_summary", **WHOLE_PROGRAMME.params(), due_days=30,
        received_ids=[], received_on=[],
    )  # fmt: skip
    periods = summary[summary["grain"] == "period"]
    assert not periods.empty
    assert periods["place_id"].isna().all()
    assert periods["place_name"].isna().all()
    assert summary.loc[summary["grain"] == "place", "place_name"].notna().all()


def test_partnership_map_names_its_own_place_and_groups_the_rest_by_region(store: Store) -> None:
    """For a partnership, its own place keeps its name and location; every other place is only counted in a
    grey point per region, at the region's fixed centre, with no name, phase, figure or real location."""
    regions = store.execute("select distinct region from places")["region"].tolist()
    points = run_scoped(
        store,
        PARTNERSHIP,
        "place_points",
        min_phase=1,
        regions=regions,
        metric="volunteers",
        phase=2,
        window_start=None,
        window_end=None,
    )
    real = store.execute("select place_id, region, latitude, longitude from places")
    own = points[points["place_id"] == OWN]
    assert own["place_name"].tolist() == ["Hartlepool"]
    assert (
        own[["latitude", "longitude"]].iloc[0].tolist()
        == real.set_index("place_id").loc[OWN, ["latitude", "longitude"]].tolist()
    )
    groups = points[points["place_id"] != OWN]
    assert all(is_others_id(place_id) for place_id in groups["place_id"])
    assert int(points["places"].sum()) == len(real)
    expected = real[real["place_id"] != OWN].groupby("region").size()
    assert dict(zip(groups["region"], groups["places"], strict=True)) == expected.to_dict()
    assert groups["place_name"].tolist() == [others_name(n) for n in groups["places"]]
    assert (
        groups[["furthest_phase", "metric_value", "lead_organisation", "local_authority", "lad_code"]]
        .isna()
        .all()
        .all()
    )
    real_spots = set(zip(real["latitude"], real["longitude"], strict=True))
    for row in groups.itertuples():
        assert (row.latitude, row.longitude) == REGION_CENTRES[row.region]
        assert (row.latitude, row.longitude) not in real_spots


def test_anonymised_rows_are_not_in_name_order(store: Store) -> None:
    """Rows of other places follow their labels, so the labels' order cannot be read off an alphabetical list."""
    frame = run_scoped(store, PARTNERSHIP, "places_list")
    names = frame["place_name"].tolist()
    assert names[0] == "Hartlepool"
    assert names[1:] == sorted(names[1:], key=lambda label: (len(label), label))


def test_labels_follow_a_keyed_order_not_the_alphabet(store: Store) -> None:
    """Two secrets give two label orders, and neither is the places' alphabetical order."""
    variants = queries.run(store, "place_identities")
    first = Anonymiser.build(focus_place_id=OWN, variants=variants, secret=b"one").labels
    second = Anonymiser.build(focus_place_id=OWN, variants=variants, secret=b"two").labels
    alphabetical = sorted(
        set(variants["place_id"]) - {OWN}, key=lambda p: variants.set_index("place_id").loc[p].iloc[0, 0]
    )
    assert list(first) != list(second)
    assert alphabetical not in (list(first), list(second))


def test_scrubbing_catches_names_ids_and_codes_inside_longer_tokens(store: Store) -> None:
    """'colchester_q2', an LA code and a lead organisation inside longer tokens are all replaced by the label."""
    scrub = Anonymiser.build(focus_place_id=OWN, variants=queries.run(store, "place_identities"), secret=b"k")
    note = "see colchester_q2.csv (E07000071) and xCOLCHESTERx; Hartlepool Action Lab stays"
    text = scrub.text(note)
    forbidden, allowed = scope_terms(store, OWN)
    assert find_leaks(text, forbidden=forbidden, allowed=allowed) == []
    assert scrub.labels[OTHER] in text
    assert "Hartlepool Action Lab" in text


def test_public_counts_follow_the_small_number_rule(store: Store) -> None:
    """Public region counts below the threshold are missing; the rest equal the unscoped counts."""
    raw = queries.run(store, "regional_spread")
    public = run_scoped(store, PUBLIC, "regional_spread")
    small = raw["places"] < SMALL_NUMBER
    assert small.any()
    assert public.loc[small, "places"].isna().all()
    assert (public.loc[~small, "places"].astype(int) == raw.loc[~small, "places"]).all()


def test_public_counts_stay_whole_numbers(store: Store) -> None:
    """A public count of places is an integer column (shown as 20, not 20.0), equal to the unscoped count."""
    raw = queries.run(store, "phase_cohorts")
    public = run_scoped(store, PUBLIC, "phase_cohorts")
    assert str(public["places"].dtype) == "Int64"
    assert public["places"].tolist() == raw["places"].tolist()


COMPLETENESS_PARAMS = {**WHOLE_PROGRAMME.params(), "due_days": 30, "received_ids": [], "received_on": []}


@pytest.mark.parametrize(
    ("principal", "name", "expected"),
    [(PUBLIC, "phase_cohorts", False), (PUBLIC, "reporting_completeness_summary", True),
     (PARTICIPANT, "phase_cohorts", True), (PARTNERSHIP, "reporting_completeness_summary", False),
     (FUNDER, "reporting_completeness_summary", False)],
)  # fmt: skip
def test_withheld_says_which_queries_a_role_gets_no_rows_from(
    store: Store, principal: Principal, name: str, expected: bool
) -> None:
    """withheld() is true exactly when run_scoped returns no rows by role although the query itself has rows."""
    assert withheld(principal, name) is expected
    params = {} if name == "phase_cohorts" else COMPLETENESS_PARAMS
    assert not queries.run(store, name, **params).empty
    assert run_scoped(store, principal, name, **params).empty is expected


def test_the_public_cites_programme_level_scopes_only(store: Store) -> None:
    """The public gets the citations of participation, phases and published totals (as they are), and none of the
    places, typology or monitoring scopes, whose source cells describe one place or cite its own return."""
    for scope in CITATION_SCOPES:
        public = run_scoped(store, PUBLIC, "citation_rows", scope=scope, phase=None)
        whole = queries.run(store, "citation_rows", scope=scope, phase=None)
        assert not whole.empty, scope
        if scope in {"participation", "phases", "published_totals"}:
            pd.testing.assert_frame_equal(public, whole)
        else:
            assert public.empty, scope


def test_every_audience_gets_the_reference_text_whole(store: Store) -> None:
    """Sources, caveats and metric definitions go unchanged to every role (the leak check shows they name no place)."""
    for name in ("sources", "caveats", "metrics_list"):
        whole = queries.run(store, name)
        assert not whole.empty
        for principal in (PARTNERSHIP, PUBLIC, PARTICIPANT):
            pd.testing.assert_frame_equal(run_scoped(store, principal, name), whole)


def test_public_gets_no_place_level_query(store: Store) -> None:
    """Place-level queries return no rows to the public role, and phase cohorts come with no name lists."""
    assert run_scoped(store, PUBLIC, "typology_matrix", phase=1, place_ids=None).empty
    assert "place_names" not in run_scoped(store, PUBLIC, "phase_cohorts").columns
    assert run_scoped(store, PUBLIC, "phase_cohort_names", max_names=60).empty
    assert run_scoped(store, PARTICIPANT, "phase_cohorts").empty


def test_every_role_is_documented() -> None:
    """Each role has help text, appears in the README's deployment section and in the example access file."""
    readme = (settings.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deploying for several audiences", 1)[1].split("\n## ", 1)[0]
    example = (settings.REPO_ROOT / "access.example.toml").read_text(encoding="utf-8")
    for role in Role:
        assert role in ROLE_HELP
        assert f"`{role.value}`" in section
        assert role.value in example


def test_example_access_file_parses_and_maps_users() -> None:
    """The committed example is valid and binds its partnership user to a place."""
    access = load_access(settings.REPO_ROOT / "access.example.toml")
    principal = access.principal_for(subject="x", email="Coordinator@Hartlepool-Partnership.example", name=None)
    assert principal is not None
    assert (principal.role, principal.place_id) == (Role.PARTNERSHIP, "hartlepool")
    assert access.principal_for(subject="unknown", email="nobody@example.org", name=None) is None


@pytest.mark.parametrize(
    "text",
    [
        '[[users]]\nemail = "a@b.c"\nrole = "owner"\n',
        '[[users]]\nemail = "a@b.c"\nrole = "partnership"\n',
        '[[users]]\nemail = "a@b.c"\nrole = "funder"\nplace_id = "hartlepool"\n',
        '[[users]]\nrole = "funder"\n',
        '[[users]]\nemail = "a@b.c"\nrole = "funder"\n[[users]]\nemail = "A@B.C"\nrole = "public"\n',
        "users = 3",
        "[[users]\n",
    ],
)
def test_malformed_access_files_are_refused(text: str) -> None:
    """Unknown roles, unbound partnerships, duplicates and bad TOML are errors, never a silent default."""
    with pytest.raises(AccessFileError):
        parse_access(text)


@pytest.mark.parametrize(
    "payload",
    [
        "![X](http://evil.example/p.png)",
        "nope![x](http://evil.example/w.png)",
        "[click](https://evil.example) <img src=http://evil.example/i.png> www.evil.example http://evil.example",
        "<script>alert(1)</script> :red[x] **bold** `code` $x$",
    ],
)
def test_escaped_text_renders_no_link_image_or_html(payload: str) -> None:
    """After md(), a CommonMark+GFM renderer makes no link, image or HTML from hostile text and shows it verbatim."""
    rendered = MarkdownIt("gfm-like").render(md(payload))
    assert not re.search(r"<(a|img|script|strong|code)\b", rendered), rendered
    assert html.unescape(re.sub(r"</?p>", "", rendered)).strip().replace(ZERO_WIDTH_SPACE, "") == payload


@pytest.mark.parametrize(
    ("exact", "shown"), [(23, 25), (22, 20), (11, 10), (0, 0), (285.0, 290.0), (1143.0, 1100.0), (25161.0, 25000.0)]
)
def test_other_places_figures_are_rounded(exact: float, shown: float) -> None:
    """Another place's figure is shown to the nearest 5 below 100 and to two significant figures above."""
    assert coarse_figure(exact) == shown
    assert type(coarse_figure(exact)) is type(exact)


def test_partnership_sees_its_own_figures_exact_and_the_cohort_rounded_without_notes(store: Store) -> None:
    """A partnership's own figures are exact; others' are rounded and unannotated; its cohort comparison still holds."""
    params = phase_period(2).params()
    named = run_scoped(store, FUNDER, "monitoring_by_place", **params)
    scoped = run_scoped(store, PARTNERSHIP, "monitoring_by_place", **params)
    own, others = scoped[scoped["place_id"] == OWN], scoped[scoped["place_id"] != OWN]
    pd.testing.assert_frame_equal(
        own.reset_index(drop=True), named[named["place_id"] == OWN].reset_index(drop=True), check_dtype=False
    )
    assert others["note"].isna().all()
    assert others["period_start"].isna().all()
    for metric, group in named[named["place_id"] != OWN].groupby("metric"):
        expected = sorted(group["value"].dropna().map(coarse_figure))
        assert sorted(others.loc[others["metric"] == metric, "value"].dropna()) == expected, metric
    # Unrounded figures (23 volunteers) that could be matched against a published report are gone.
    exact = {
        (m, v) for m, v in zip(named["metric"], named["value"], strict=True) if pd.notna(v) and coarse_figure(v) != v
    }
    assert not exact & set(zip(others["metric"], others["value"], strict=True))
    mine, theirs = monitoring_comparison(named, place_id=OWN), monitoring_comparison(scoped, place_id=OWN)
    columns = ["metric", "value", "reporting", "cohort"]
    pd.testing.assert_frame_equal(mine[columns], theirs[columns], check_dtype=False)
    # Rounding moves a rank only through a near tie, and the median and share by a few per cent at most.
    assert ((mine["rank"] - theirs["rank"]).abs() <= 1).all()
    assert ((mine["cohort_median"] - theirs["cohort_median"]).abs() <= 0.05 * mine["cohort_median"] + ROUND_TO).all()
    assert ((mine["share_of_total"] - theirs["share_of_total"]).abs() <= 0.05 * mine["share_of_total"]).all()


def test_one_figure_does_not_link_a_place_across_metrics() -> None:
    """An anonymised place has an unrelated label (and row position) in each metric, so one match links nothing else."""
    labels = [f"Partnership {letter}" for letter in "ABCDEFGHIJKL"]
    frame = pd.DataFrame(
        [
            {"place_id": label.lower().replace(" ", "-"), "place_name": label, "metric": metric, "value": 10 * i,
             "truth": label}
            for metric in ("volunteers", "activities", "beneficiaries")
            for i, label in enumerate(labels)
        ]
    )  # fmt: skip
    safe = unlink_figures(frame, focus_place_id="own", secret=b"k" * 32)
    by_metric = {m: dict(zip(g["place_name"], g["truth"], strict=True)) for m, g in safe.groupby("metric")}
    assert all(set(mapping) == set(labels) for mapping in by_metric.values())
    assert by_metric["volunteers"] != by_metric["activities"] != by_metric["beneficiaries"]
    same = sum(by_metric["volunteers"][label] == by_metric["activities"][label] for label in labels)
    assert same < len(labels) / 2
    for _, group in safe.groupby("metric"):
        assert group["place_name"].tolist() == sorted(labels, key=lambda label: (len(label), label))
    assert unlink_figures(frame, focus_place_id="own", secret=b"k" * 32).equals(safe)  # stable for one secret


def _xsrf_cookie(token: bytes, mask: bytes) -> str:
    masked = bytes(byte ^ mask[i % len(mask)] for i, byte in enumerate(token))
    return f"2|{mask.hex()}|{masked.hex()}|1700000000"


def test_sign_in_return_key_survives_the_xsrf_cookies_new_mask() -> None:
    """The browser's XSRF token reads the same under each fresh mask, and a garbled or missing cookie gives no key."""
    token = bytes(range(16))
    assert xsrf_token(_xsrf_cookie(token, b"\x01\x02\x03\x04")) == token
    assert xsrf_token(_xsrf_cookie(token, b"\xff\xee\xdd\xcc")) == token
    assert xsrf_token("2|zz|zz|1") is None
    assert xsrf_token(None) is None


def test_deep_link_is_taken_once_and_forgotten_after_its_time() -> None:
    """A deep link kept for sign-in is handed back once, to the same browser only, and not after RETURN_TTL_S; the
    store says whether any is waiting."""
    returns = PendingReturns()
    assert not returns.waiting()  # every run checks this before working out the browser's key
    target = ReturnTo(url_path="partnership", query=(("place", "hartlepool"),), saved_at=1000.0)
    returns.put("browser-a", target)
    assert returns.waiting()
    assert returns.take("browser-b", now=1001.0) is None
    assert returns.take("browser-a", now=1001.0) == target
    assert not returns.waiting()
    assert returns.take("browser-a", now=1002.0) is None
    returns.put("browser-a", target)
    assert returns.take("browser-a", now=1000.0 + RETURN_TTL_S + 1) is None


SEARCH_FILTERS = {"place_id": "", "phase": 0, "outcome_id": "", "enabler_id": "", "typology_id": "", "max_rows": 500}


@pytest.mark.parametrize("as_passed", [list, tuple], ids=["list (CLI, downloads)", "tuple (pages)"])
def test_partnership_search_naming_another_place_returns_nothing(store: Store, as_passed: type) -> None:
    """A partnership's search holding another place's name, id or LA code returns no rows (its matches would tell
    which anonymised records are that place's), however the terms are passed; its own place's name and ordinary
    words still find records."""

    def search(principal: Principal, text: str) -> pd.DataFrame:
        terms = as_passed(search_terms(text))
        return run_scoped(store, principal, "evidence_search", terms=terms, **SEARCH_FILTERS)

    other = store.execute("select place_name, lad_code from places where place_id = $id", {"id": OTHER}).iloc[0]
    naming_other = [other["place_name"], OTHER, other["lad_code"], f"food {other['place_name']}"]
    assert len(search(FUNDER, other["place_name"])) > 0  # the search does find that place's records for a funder
    for text in naming_other:
        assert search(PARTNERSHIP, text).empty, text
    own_name = store.execute("select place_name from places where place_id = $id", {"id": OWN}).iloc[0, 0]
    for text in (own_name, "food", "volunteering"):
        assert len(search(PARTNERSHIP, text)) == len(search(FUNDER, text)) > 0, text
