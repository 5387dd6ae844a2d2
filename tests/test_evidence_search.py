"""Ranked evidence search against an independent BM25, computed in pandas on a small seeded corpus."""

from __future__ import annotations

import csv
import math
import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import snowballstemmer

from pbsa_analytics import queries, settings
from pbsa_analytics.store import Store, build_store, open_store
from pbsa_analytics.store.search_index import search_terms

NO_FILTERS = {"place_id": "", "phase": 0, "outcome_id": "", "enabler_id": "", "typology_id": ""}
VOCABULARY = ["food", "parcel", "parcels", "volunteer", "volunteers", "volunteering", "garden", "gardening",
              "community", "communities", "kitchen", "youth", "trust", "hub"]  # fmt: skip
K1, B = 1.2, 0.75


def _seeded_evidence(path: Path, place_ids: list[str]) -> None:
    rng = random.Random(20)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["evidence_id", "place_id", "phase", "outcome_id", "enabler_id", "typology_id", "summary",
                         "source"])  # fmt: skip
        for n in range(400):
            words = " ".join(rng.choices(VOCABULARY, k=rng.randint(3, 14)))
            writer.writerow([f"seeded-{n:03d}", rng.choice([*place_ids, ""]), rng.choice([1, 2, 3]),
                             rng.choice(["empowerment", "collaboration", ""]), "", "", f"Seeded: {words}.", "seeded"])  # fmt: skip


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store built from the real data plus 400 seeded records drawn from a small vocabulary with inflections."""
    root = tmp_path_factory.mktemp("seeded-search")
    data = Path(shutil.copytree(settings.data_dir(), root / "data"))
    place_ids = pd.read_csv(data / "places.csv", dtype=str)["place_id"].head(12).tolist()
    _seeded_evidence(data / "evidence" / "zz_seeded.csv", place_ids)
    store = open_store(db_path=build_store(data_dir=data, db_path=root / "pbsa.duckdb"), store_dir=root / "imports")
    yield store
    store.close()


def _corpus(store: Store) -> pd.DataFrame:
    """Each record's searchable words, stemmed here independently, with the keys results are browsed by."""
    frame = store.execute(
        "select e.evidence_id, e.phase, p.place_name, "
        "lower(concat_ws(' ', e.summary, p.place_name, o.title, en.name, t.name)) as text "
        "from evidence as e left join places as p on p.place_id = e.place_id "
        "left join outcomes as o on o.outcome_id = e.outcome_id left join enablers as en on en.enabler_id = e.enabler_id "
        "left join typologies as t on t.typology_id = e.typology_id"
    )
    stemmer = snowballstemmer.stemmer("english")
    frame["stems"] = frame["text"].map(lambda text: Counter(stemmer.stemWords(re.findall(r"[a-z0-9]+", text))))
    frame["length"] = frame["stems"].map(lambda stems: sum(stems.values()))
    return frame


def _expected(corpus: pd.DataFrame, terms: list[str]) -> list[tuple[str, float]]:
    """Ids and BM25 scores (k1 = 1.2, b = 0.75) of the records holding every term, best first, ties in browse order."""
    documents, average = len(corpus), corpus["length"].mean()
    scored = []
    for row in corpus.itertuples():
        if not all(term in row.stems for term in terms):
            continue
        score = 0.0
        for term in terms:
            df = sum(term in stems for stems in corpus["stems"])
            idf = math.log(1 + (documents - df + 0.5) / (df + 0.5))
            tf = row.stems[term]
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * row.length / average))
        name = row.place_name if isinstance(row.place_name, str) else None
        browse = (row.phase, name is None, name or "", row.evidence_id)
        scored.append((-round(score, 7), browse, row.evidence_id, score))
    return [(evidence_id, score) for _, _, evidence_id, score in sorted(scored)]


@pytest.mark.parametrize("text", ["parcels", "food parcel", "volunteering garden kitchen", "community trust youth hub"])
def test_order_and_scores_equal_an_independent_bm25(seeded: Store, text: str) -> None:
    """Every matching record comes back once, in the order and with the score of a BM25 computed in pandas."""
    terms = search_terms(text)
    expected = _expected(_corpus(seeded), terms)
    results = queries.run(seeded, "evidence_search", terms=terms, **NO_FILTERS, max_rows=10_000)
    assert len(expected) > 5
    assert list(results["evidence_id"]) == [evidence_id for evidence_id, _ in expected]
    assert results["score"].tolist() == pytest.approx([score for _, score in expected], abs=1e-6)
    assert (results["matches"] == len(expected)).all()


def test_limit_keeps_the_best_and_counts_every_match(seeded: Store) -> None:
    """With a limit the page is the top of the full ranking, and matches still counts every matching record."""
    terms = search_terms("food volunteers")
    full = queries.run(seeded, "evidence_search", terms=terms, **NO_FILTERS, max_rows=10_000)
    page = queries.run(seeded, "evidence_search", terms=terms, **NO_FILTERS, max_rows=7)
    assert list(page["evidence_id"]) == list(full["evidence_id"].head(7))
    assert (page["matches"] == len(full)).all()


def test_filters_narrow_a_ranked_search(seeded: Store) -> None:
    """A phase and outcome filter keep exactly the ranked matches with that phase and outcome, in the same order."""
    terms = search_terms("garden")
    everything = queries.run(seeded, "evidence_search", terms=terms, **NO_FILTERS, max_rows=10_000)
    wanted = everything[(everything["phase"] == 2) & (everything["outcome_id"] == "collaboration")]
    filtered = queries.run(seeded, "evidence_search", terms=terms, **{**NO_FILTERS, "phase": 2,
                           "outcome_id": "collaboration"}, max_rows=10_000)  # fmt: skip
    assert len(wanted) > 0
    assert list(filtered["evidence_id"]) == list(wanted["evidence_id"])
    assert (filtered["matches"] == len(wanted)).all()


@pytest.mark.parametrize(("searched", "written"), [("parcel", "parcels"), ("parcels", "parcel"),
                                                   ("volunteer", "volunteering"), ("volunteering", "volunteer")])  # fmt: skip
def test_stemming_finds_other_inflections(seeded: Store, searched: str, written: str) -> None:
    """Searching one form of a word finds records that only hold another form of it."""
    results = queries.run(seeded, "evidence_search", terms=search_terms(searched), **NO_FILTERS, max_rows=10_000)
    words = results["summary"].str.lower().str.findall(r"[a-z]+")
    only_other = words.map(lambda found: written in found and searched not in found)
    assert only_other.any()


def test_word_less_search_browses_every_filtered_record_in_order(seeded: Store) -> None:
    """Without words the filtered records come back in phase, place name (missing last), id order, all with score 0."""
    corpus = _corpus(seeded)
    results = queries.run(seeded, "evidence_search", terms=[], **{**NO_FILTERS, "phase": 3}, max_rows=10_000)
    in_phase = corpus[corpus["phase"] == 3]
    expected = sorted(in_phase.itertuples(), key=lambda row: (isinstance(row.place_name, float), row.place_name
                                                                if isinstance(row.place_name, str) else "", row.evidence_id))  # fmt: skip
    assert list(results["evidence_id"]) == [row.evidence_id for row in expected]
    assert (results["score"] == 0).all()
    assert (results["matches"] == len(expected)).all()


@pytest.mark.parametrize("text", ["garden", "food parcel", "volunteering garden kitchen"])
def test_filters_narrow_every_kind_of_search_alike(seeded: Store, text: str) -> None:
    """One, two and three terms (each answered by its own branch of the query) keep exactly the filtered matches."""
    terms = search_terms(text)
    everything = queries.run(seeded, "evidence_search", terms=terms, **NO_FILTERS, max_rows=10_000)
    wanted = everything[everything["phase"] == 2]
    filtered = queries.run(seeded, "evidence_search", terms=terms, **{**NO_FILTERS, "phase": 2}, max_rows=10_000)
    assert len(wanted) > 0
    assert list(filtered["evidence_id"]) == list(wanted["evidence_id"])
    assert filtered["score"].tolist() == wanted["score"].tolist()
    assert (filtered["matches"] == len(wanted)).all()


def test_a_repeated_term_counts_once(seeded: Store) -> None:
    """Terms given twice rank and count as if given once (the query folds them to distinct terms)."""
    once = queries.run(seeded, "evidence_search", terms=["food", "parcel"], **NO_FILTERS, max_rows=10_000)
    assert len(once) > 5
    for repeated in (["food", "food", "parcel"], ["food", "parcel", "food"], ["parcel", "food", "parcel"]):
        twice = queries.run(seeded, "evidence_search", terms=repeated, **NO_FILTERS, max_rows=10_000)
        pd.testing.assert_frame_equal(once, twice)
