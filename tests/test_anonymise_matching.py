"""The anonymiser's name finder (one automaton over every term) and its per-distinct-value frame treatment."""

from __future__ import annotations

import random
import re

import duckdb
import numpy as np
import pandas as pd
import pytest

from pbsa_analytics import queries, settings
from pbsa_analytics.analysis import anonymise
from pbsa_analytics.analysis.anonymise import Anonymiser, TermIndex, keyed_order, partnership_label, per_distinct
from pbsa_analytics.services import scoping
from pbsa_analytics.services.scoping import coarse_figure
from pbsa_analytics.store import Store

OWN = "hartlepool"
FOCUSES = [OWN, "", "colchester"]  # a partnership, the programme-wide view (no place), another partnership
FILLER = ["and", "in", "the", "over", "x", "q2.csv", ",", "(", ")", "hand", "evaluation"]


def _normal(term: str) -> str:
    return re.sub(r"[\s_\-]+", "", term).lower()


def _term_pattern(term: str) -> str:
    """What each term matched as before the automaton: separators only between its words, short terms whole."""
    body = r"[\s_\-]*".join(re.escape(word) for word in re.split(r"[\s_\-]+", term.strip()) if word)
    return body if len(term) >= 4 else rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])"


def _regex_scrubber(variants: pd.DataFrame, scrub: Anonymiser):
    """The reference: one regular expression with an alternative per term, longest first, as the app used to run."""
    own = variants[variants["place_id"] == scrub.focus_place_id]
    focus_terms = {str(name) for name in own["name"].dropna()}
    replacements = {}
    for row in variants[variants["place_id"] != scrub.focus_place_id].itertuples():
        for term in (t for t in (row.name, row.place_id, row.place_name) if isinstance(t, str) and t.strip()):
            if _normal(term) not in {_normal(t) for t in focus_terms}:
                replacements[_normal(term)] = scrub.labels[row.place_id]
    replacements |= {_normal(term): replacements.get(_normal(term), "") for term in focus_terms}
    terms = sorted({*focus_terms, *(t for t in replacements_terms(variants) if _normal(t) in replacements)},
                   key=len, reverse=True)  # fmt: skip
    pattern = re.compile("|".join(f"(?:{_term_pattern(term)})" for term in terms), re.IGNORECASE)
    labels = set(scrub.labels.values())

    def text(value: str) -> str:
        done = pattern.sub(lambda m: replacements.get(_normal(m.group(0))) or m.group(0), value)
        items = done.split(", ")
        if len(items) < 2 or not all(item in labels or item == scrub.focus_name for item in items):
            return done
        return ", ".join(sorted(items, key=lambda item: (item != scrub.focus_name, len(item), item)))

    return text


def replacements_terms(variants: pd.DataFrame) -> set[str]:
    return {
        str(t) for column in ("name", "place_id", "place_name") for t in variants[column].dropna() if str(t).strip()
    }


def _texts(store: Store, variants: pd.DataFrame) -> set[str]:
    """Every text cell the store holds, and seeded sentences and long lists of names in other cases and with other
    separators."""
    texts = set()
    for table in store.execute("select table_name from duckdb_tables()")["table_name"]:
        frame = store.execute(f'select * from "{table}"')
        for column in frame.columns:
            if pd.api.types.is_string_dtype(frame[column]) or frame[column].dtype == object:
                texts |= {value for value in frame[column].dropna().unique() if isinstance(value, str)}
    names = [str(name) for name in variants["name"].dropna()]
    forms = [form for name in names for form in (name, name.upper(), name.lower(), name.replace(" ", "_"),
                                                 name.replace(" ", "-"), name.replace(" ", ""))]  # fmt: skip
    rng = random.Random(7)
    for _ in range(2000):
        texts.add(" ".join(rng.choice(forms + FILLER) for _ in range(rng.randint(1, 8))))
        texts.add("".join(rng.choice(forms + FILLER) for _ in range(2)))
        texts.add(", ".join(rng.choice(forms) for _ in range(3)))
    for _ in range(100):  # long enough (256 characters and more) to be folded in bulk
        texts.add(rng.choice([", ", " ", ""]).join(rng.choice(forms + FILLER) for _ in range(60)))
    return texts


@pytest.fixture(scope="module")
def shared_terms(store: Store) -> TermIndex:
    return TermIndex.build(queries.run(store, "place_identities"))


@pytest.mark.parametrize("focus", FOCUSES, ids=["own place", "programme-wide", "another place"])
def test_the_automaton_replaces_what_a_regular_expression_of_every_term_replaced(
    store: Store, shared_terms: TermIndex, focus: str
) -> None:
    """On every text in the store and 6,000 seeded sentences of names (any case, any separator), the automaton's
    text equals the one-alternative-per-term regular expression's, the reference it replaced for speed; the
    anonymisers around each place share one index of every place's terms."""
    variants = shared_terms.variants
    scrub = Anonymiser.around(focus_place_id=focus, terms=shared_terms, secret=b"matching")
    reference = _regex_scrubber(variants, scrub)
    texts = _texts(store, variants)
    differ = [(text, reference(text), scrub.text(text)) for text in texts if scrub.text(text) != reference(text)]
    assert len(texts) > 6000
    assert sum(scrub.text(text) != text for text in texts) > 1000  # names were found and replaced
    assert differ == []


def test_separators_count_only_where_a_names_words_meet(store: Store) -> None:
    """ "hand over" keeps its words although "andover" (a place) folds into "handover"; the name itself is found in
    any case, inside a longer token, and its organisation across spaces, hyphens and underscores."""
    scrub = Anonymiser.build(focus_place_id=OWN, variants=queries.run(store, "place_identities"), secret=b"k")
    label = scrub.labels["andover"]
    kept = "hand over the evaluation and overheads"
    assert scrub.text(kept) == kept
    assert scrub.text("ANDOVER and xandoverx") == f"{label} and x{label}x"
    assert scrub.text("test-valley_community services") == label
    assert scrub.text("test valley community se rvices") != label  # a break inside a word is not a separator


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["a", None, "b", "a"], dtype="str"),
        pd.Series(["a", None, "b", "a"], dtype=object),
        pd.Series([None, None], dtype=object),
        pd.Series([23, None, 1234, 23], dtype="Int64"),
        pd.Series([23.0, np.nan, 1234.0], dtype=float),
        pd.Series([0.5, "a", None], dtype=object),
        pd.Series([], dtype="str"),
        pd.Series([1, 1.0, True, 0, False], dtype=object),
        pd.Series([["a"], ["a"], None], dtype=object),
        pd.Series([np.nan, pd.NaT, None], dtype=object),
        pd.Series(["a", None, pd.NA, np.nan, "a"], dtype=object),
        pd.Series(["b", "a", "b"], dtype="category"),
    ],
    ids=[
        "str",
        "object",
        "all missing",
        "Int64",
        "float",
        "mixed",
        "empty",
        "equal across types",
        "lists",
        "kinds of missing",
        "text with kinds of missing",
        "category",
    ],
)
def test_per_distinct_gives_what_a_row_by_row_map_gives(values: pd.Series) -> None:
    """Calling a function once per distinct value gives the values and dtype Series.map gives calling it per row."""
    for function in (coarse_figure, lambda value: f"<{value}>", lambda value: value):
        pd.testing.assert_series_equal(per_distinct(values, function), values.map(function))


def test_coarse_figure_rounds_numpy_scalars_too() -> None:
    """A figure arriving as a numpy scalar is rounded like a Python number, never let through exact."""
    assert coarse_figure(np.int64(23)) == 25
    assert coarse_figure(np.float64(1234.0)) == 1200.0
    assert coarse_figure(np.int32(7)) == 5


def test_a_short_name_is_found_only_as_a_whole_token() -> None:
    """A name under four characters ("Ely") is replaced standing alone or beside separators and punctuation, never
    inside a longer word or split by a space, exactly as the regular expression did."""
    variants = pd.DataFrame(
        {
            "place_id": ["ely", "ely", "bude", "hartlepool"],
            "place_name": ["Ely", "Ely", "Bude", "Hartlepool"],
            "name": ["Ely", "ELY", "Bude", "Hartlepool"],
        }
    )
    scrub = Anonymiser.build(focus_place_id="hartlepool", variants=variants, secret=b"short")
    label = scrub.labels["ely"]
    assert scrub.text("Ely, ely_q2 (ELY) -ely") == f"{label}, {label}_q2 ({label}) -{label}"
    assert scrub.text("Ashely belying Elyx e ly") == "Ashely belying Elyx e ly"
    reference = _regex_scrubber(variants, scrub)
    rng = random.Random(3)
    forms = ["Ely", "ely", "E_ly", "ELY", "Bude", "bude-", "x", "ash", "Hartlepool", "1", ",", "(", "-", "_", " "]
    texts = {"".join(rng.choice(forms) for _ in range(rng.randint(1, 6))) for _ in range(3000)}
    assert [text for text in texts if scrub.text(text) != reference(text)] == []


def test_a_frame_is_scrubbed_once_per_distinct_value_not_once_per_row(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anonymising 30,000 rows holding 3 places and 2 notes scrubs each distinct text once (not 30,000 times per
    column), and every row comes out as scrubbing it alone would."""
    scrub = Anonymiser.build(focus_place_id=OWN, variants=queries.run(store, "place_identities"), secret=b"rows")
    places = ["colchester", "andover", OWN] * 10_000
    notes = ["seen in Colchester", "no place"] * 15_000
    frame = pd.DataFrame({"place_id": places, "place_name": [p.title() for p in places], "note": notes})
    scrubbed: list[object] = []
    original = Anonymiser.text
    monkeypatch.setattr(Anonymiser, "text", lambda self, value: scrubbed.append(value) or original(self, value))
    safe = scrub.frame(frame)
    assert len(scrubbed) <= 3 + 3 + 2 + 3  # ids, names, notes and the column names
    assert safe["place_name"].iloc[0] == "Hartlepool"  # the focus place first
    assert set(safe["place_name"]) == {"Hartlepool", scrub.labels["colchester"], scrub.labels["andover"]}
    assert set(safe["note"]) == {original(scrub, "seen in Colchester"), "no place"}
    assert (safe.groupby("place_name").size() == 10_000).all()


def _missing_or(value: object) -> object:
    return "<missing>" if value is None or (not isinstance(value, list | str) and pd.isna(value)) else value


@pytest.mark.parametrize(
    "ids",
    [
        ["colchester", OWN, "andover", "nowhere", "others-in-london", None, np.nan, pd.NA, "colchester"] * 300,
        ["colchester", 7, OWN, 7.0, True, None, "andover"],  # mixed types: mapped row by row
    ],
    ids=["ids, unknown ids, a region's group and every kind of missing", "mixed types"],
)
def test_each_rows_id_and_name_are_its_own_places_relabelling_in_rank_order(store: Store, ids: list) -> None:
    """Anonymising a frame gives each row the id and name its own place gives it alone (the focus and rows about
    no place keep theirs, other and unknown places get a label), with rows in rank order, however the ids repeat."""
    scrub = Anonymiser.build(focus_place_id=OWN, variants=queries.run(store, "place_identities"), secret=b"rows")
    names = [f"{place_id} (from Colchester)" if index % 2 else None for index, place_id in enumerate(ids)]
    safe = scrub.frame(pd.DataFrame({"place_id": pd.Series(ids, dtype=object), "place_name": names}))
    order = sorted(range(len(ids)), key=lambda index: scrub.rank(ids[index]))  # sorted() is stable
    relabelled = [scrub.label(ids[index], "") != "" for index in order]
    expected_names = [
        scrub.labels.get(ids[index], "Another partnership") if other else scrub.text(names[index])
        for index, other in zip(order, relabelled, strict=True)
    ]
    expected_ids = [scrub.text(scrub.place_id(ids[index])) for index in order]
    assert [_missing_or(name) for name in safe["place_name"]] == [_missing_or(name) for name in expected_names]
    assert [_missing_or(place_id) for place_id in safe["place_id"]] == [_missing_or(i) for i in expected_ids]
    assert "Colchester" not in str(safe.to_dict())


@pytest.mark.parametrize(
    ("focus_name", "other_names", "text"),
    [
        ("a b c", ["abcd", "defgh"], "abcdefgh"),  # the focus's longer spelling wins at 0; "defgh" is found after it
        ("Mid - Ash", ["Midashes"], "midashes town"),
        ("Hartlepool", ["ΟΔΟΣ"], "İοδος and xİοδος"),  # a character lowering to two, then a final sigma
    ],
)
def test_where_terms_overlap_the_longest_as_written_wins_as_in_the_regular_expression(
    focus_name: str, other_names: list[str], text: str
) -> None:
    """Where terms start at one place, the one longest as written is taken (the regular expression's order), even
    when another is longer without its separators; Unicode case folding finds what the expression found."""
    names = [focus_name, *other_names]
    variants = pd.DataFrame(
        {
            "place_id": [f"place_{i:08d}" for i in range(len(names))],
            "place_name": [f"Place {i:08d}" for i in range(len(names))],
            "name": names,
        }
    )
    scrub = Anonymiser.build(focus_place_id="place_00000000", variants=variants, secret=b"overlap")
    assert scrub.text(text) == _regex_scrubber(variants, scrub)(text)


def test_names_inside_list_struct_and_map_cells_are_scrubbed_too(store: Store) -> None:
    """Cells DuckDB hands over as arrays (LIST), dicts (STRUCT, MAP) or nested lists lose other places' names like
    text cells do, keys included, and keep their shape; the focus place's own name and numbers stay as they are; a
    list of labels is put in label order, as a comma-separated one is, so the names' order does not show."""
    scrub = Anonymiser.build(focus_place_id=OWN, variants=queries.run(store, "place_identities"), secret=b"nest")
    label = scrub.labels["colchester"]
    frame = duckdb.sql(
        "select ['Colchester', 'Hartlepool'] as names, {'lead': 'Colchester CVS', 'n': 3} as lead,"
        " map(['Colchester'], [2]) as counts, [['colchester', 'x'], ['y', 'z']] as nested, [1, 2] as numbers,"
        " 'Colchester' as place"
    ).df()
    safe = scrub.frame(frame)
    assert list(safe["names"][0]) == ["Hartlepool", label]  # the focus first, then by label, as in a text list
    assert isinstance(safe["names"][0], np.ndarray)
    assert safe["lead"][0] == {"lead": scrub.text("Colchester CVS"), "n": 3}
    assert "colchester" not in str(safe.to_dict()).lower()
    assert [list(item) for item in safe["nested"][0]] == [[label, "x"], ["y", "z"]]
    assert list(safe["numbers"][0]) == [1, 2]
    assert safe["place"][0] == label
    assert scrub.text(("Colchester", 1)) == (label, 1)
    assert list(scrub.text(np.array(["Colchester", "Ely"]))) == [label, "Ely"]
    assert scrub.text({"Colchester"}) == {label}
    named = sorted(place for place in scrub.labels if place not in ("", OWN))[:6]  # in the names' order
    labelled = scrub.text([place.title() for place in named])
    assert labelled == sorted(labelled, key=lambda item: (len(item), item))  # which gives the names' order away


def test_a_places_own_id_is_no_term_around_it_even_in_a_shared_index() -> None:
    """Around a place, its own id and place name (when not among its names) are no terms: in "abcdef" another
    place's "bcdef" is found although the focus's id "abcd" starts earlier, as a regular expression of the focus's
    terms finds it; around the other place, "abcd" is the name to hide."""
    variants = pd.DataFrame(
        {"place_id": ["abcd", "other"], "place_name": ["Focus Town", "Other Town"], "name": ["Focus Town", "bcdef"]}
    )
    shared = TermIndex.build(variants)
    around_focus = Anonymiser.around(focus_place_id="abcd", terms=shared, secret=b"own")
    around_other = Anonymiser.around(focus_place_id="other", terms=shared, secret=b"own")
    assert around_focus.text("abcdef") == "a" + around_focus.labels["other"]
    assert around_other.text("abcdef") == around_other.labels["abcd"] + "ef"
    for scrub in (around_focus, around_other):
        assert scrub.text("abcdef") == _regex_scrubber(variants, scrub)("abcdef")


def test_the_anonymisers_around_two_places_share_one_term_index(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two partnerships' pages build the index of every place's terms once between them, each with its own labels."""
    scoping.forget_scoped_grids()
    builds: list[int] = []
    original = TermIndex.build
    monkeypatch.setattr(TermIndex, "build", classmethod(lambda cls, variants: builds.append(1) or original(variants)))
    around_own = scoping.anonymiser(store, focus_place_id=OWN)
    around_other = scoping.anonymiser(store, focus_place_id="colchester")
    assert len(builds) == 1
    assert around_own._automaton is around_other._automaton
    assert "colchester" in around_own.labels
    assert "colchester" not in around_other.labels
    assert around_own.text("Colchester") == around_own.labels["colchester"]
    assert around_other.text("Colchester") == "Colchester"
    # Each one's labels are the keyed order of every other place (the order is shared, the focus left out of it).
    place_ids = sorted(set(queries.run(store, "place_identities")["place_id"]))
    for focus, around in ((OWN, around_own), ("colchester", around_other)):
        others = keyed_order([place_id for place_id in place_ids if place_id != focus], secret=settings.label_secret())
        assert around.labels == {place_id: partnership_label(index) for index, place_id in enumerate(others)}
    scoping.forget_scoped_grids()


def test_a_long_text_is_folded_in_bulk_exactly_as_one_run_at_a_time() -> None:
    """Long texts (a list of every place's name) are folded in bulk; each folded character comes from the same place
    in the text, with the same case folding, as folding it a run at a time: any whitespace, "İ", final sigma."""
    rng = random.Random(11)
    pool = [*"abcXYZ019", "İ", "Σ", "ς", "ẞ", " ", "\u3000", "\u00a0", "\t", "_", "-", ", ", "Ω"]
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(256, 2000))) for _ in range(300)]
    texts += [text.replace("İ", "I") for text in texts]  # without the character that lowers to two
    for text in texts:
        assert anonymise._folded(text) == anonymise._folded_by_runs(text)


TWO_PLACES = pd.DataFrame({"place_id": ["a1", "b2"], "place_name": ["Alpha", "Beta"], "name": ["Alpha", "Beta"]})


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"place_id": ["b2", None]}, dtype=object),
        pd.DataFrame({"place_id": ["b2", None], "place_name": ["Beta", None]}),
        pd.DataFrame({"place_id": ["b2", "a1"], "place_name": ["Beta", None]}),
        pd.DataFrame({"place_id": ["b2", pd.NA, "a1"], "place_name": ["Beta", "Beta's", "Alpha"]}, dtype=object),
    ],
    ids=["a row about no place", "no place, no name", "the focus without a name", "pd.NA for no place"],
)
def test_rows_about_no_place_or_without_a_name_are_kept_beside_relabelled_ones(frame: pd.DataFrame) -> None:
    """A table mixing another place's row with a row about no place (or a focus row without a name) comes out with
    the other place relabelled and the missing values still missing, in the focus-first, label order."""
    scrub = Anonymiser.build(focus_place_id="a1", variants=TWO_PLACES, secret=b"s")
    safe = scrub.frame(frame)
    other = safe[safe["place_id"] == "partnership-a"]
    assert len(other) == 1
    assert "Beta" not in str(safe.to_dict())
    assert safe["place_id"].isna().sum() == frame["place_id"].isna().sum()
    if "place_name" in frame.columns:
        assert other["place_name"].tolist() == ["Partnership A"]


def test_odd_inputs_are_scrubbed_without_failing() -> None:
    """A long text holding a lone surrogate, a focus name that is not text, and a focus around which every term is
    blank are all handled as the one-run-at-a-time scrubber handled them."""
    scrub = Anonymiser.build(focus_place_id="a1", variants=TWO_PLACES, secret=b"s")
    odd = "Beta " + "\ud800" + "x " * 200
    assert scrub.text(odd) == "Partnership A " + "\ud800" + "x " * 200
    numbered = pd.DataFrame({"place_id": ["a1", "b2"], "place_name": ["Alpha", "Beta"], "name": [5, "Beta"]})
    around_number = Anonymiser.build(focus_place_id="a1", variants=numbered, secret=b"s")
    assert around_number.text("5 and Beta") == "5 and Partnership A"
    blank = pd.DataFrame({"place_id": ["f1", "_"], "place_name": ["Zed", None], "name": [None, None]})
    assert Anonymiser.build(focus_place_id="f1", variants=blank, secret=b"s").text("Partnership A, Zed") == (
        "Partnership A, Zed"
    )


def test_an_import_keeps_the_anonymisers_and_a_new_build_makes_them_again(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names come from the build alone: an import (a new store version, the same build) keeps the anonymiser around a
    place and the shared index; a new build of the store makes both again."""
    scoping.forget_scoped_grids()
    before = scoping.anonymiser(store, focus_place_id=OWN)
    monkeypatch.setattr(store, "version", lambda: store.build_version() + "-after-an-import")
    assert scoping.anonymiser(store, focus_place_id=OWN) is before
    monkeypatch.setattr(store, "build_version", lambda: "another-build")
    rebuilt = scoping.anonymiser(store, focus_place_id=OWN)
    assert rebuilt is not before
    assert rebuilt._automaton is not before._automaton
    assert rebuilt.labels == before.labels
    scoping.forget_scoped_grids()
