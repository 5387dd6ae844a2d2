"""Conditions self-assessments: saving, correcting and undoing rounds, access rules, files, durability, demo data."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pbsa_analytics import queries, settings
from pbsa_analytics.access import LOCAL_ADMIN
from pbsa_analytics.demo import conditions as demo
from pbsa_analytics.services import conditions as service
from pbsa_analytics.store import Store
from pbsa_analytics.store.conditions import ConditionsStore, ConditionsStoreError
from tests.conditions_support import FUNDER, HARTLEPOOL, PUBLIC, private_store

ROUND = "2025-Q1"


@pytest.fixture
def store(built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return private_store(built_db, tmp_path / "store", monkeypatch)


def some_values(store: Store, *, answer: str = "yes", rating: str = "3") -> dict:
    """Every condition answered the same way, with a note on the first of each kind."""
    values = {}
    for row in service.catalogue(store).itertuples():
        values[row.condition_id] = {"answer": answer} if row.framework == "nef_e1_checklist" else {"rating": rating}
    values["e1-mission-1"]["note"] = "a note"
    return values


def in_force(store: Store, place_id: str = "hartlepool") -> pd.DataFrame:
    state = service.round_state(store, principal=LOCAL_ADMIN, place_id=place_id, round_id=ROUND)
    return service.entry_answers(store, principal=LOCAL_ADMIN, entry=state.in_force)


def test_draft_submit_correct_and_undo_keep_every_save(store: Store) -> None:
    """A draft, a submission and a correction are all kept; undo puts the submission back, then the draft."""
    args = {"principal": LOCAL_ADMIN, "place_id": "hartlepool", "round_id": ROUND}
    service.save_draft(store, values=some_values(store, answer="no"), name="Ann", **args)
    assert service.round_state(store, **args).status == "draft"
    service.submit(store, values=some_values(store, answer="yes"), name="Ann", **args)
    assert service.round_state(store, **args).status == "submitted"
    service.correct(store, values=some_values(store, answer="not_sure"), name="Bob", **args)
    assert set(in_force(store)["answer"].dropna()) == {"not_sure"}

    undone = service.undo_last(store, name="Bob", **args)
    assert undone.kind == "correction"
    assert set(in_force(store)["answer"].dropna()) == {"yes"}
    service.undo_last(store, **args)
    state = service.round_state(store, **args)
    assert state.in_force is None
    assert state.status == "draft"
    assert set(service.entry_answers(store, principal=LOCAL_ADMIN, entry=state.draft)["answer"].dropna()) == {"no"}

    history = service.history(store, principal=LOCAL_ADMIN, place_id="hartlepool")
    assert history["kind"].tolist() == ["correction", "submission", "draft"]
    assert history["undone_at"].notna().tolist() == [True, True, False]
    assert history["saved_by"].iloc[0].startswith("Bob")
    assert history["undone_by"].iloc[0].startswith("Bob")


def test_submitting_twice_or_correcting_nothing_is_refused_and_changes_nothing(store: Store) -> None:
    """A second submission must be a correction, a correction needs a submission; refusals write no file."""
    args = {"principal": LOCAL_ADMIN, "place_id": "hartlepool", "round_id": ROUND}
    with pytest.raises(ConditionsStoreError, match="nothing to correct"):
        service.correct(store, values=some_values(store), **args)
    service.submit(store, values=some_values(store), **args)
    files = sorted(p.name for p in service.conditions_store(store).entries_dir.iterdir())
    with pytest.raises(ConditionsStoreError, match="already submitted"):
        service.submit(store, values=some_values(store), **args)
    assert sorted(p.name for p in service.conditions_store(store).entries_dir.iterdir()) == files


def test_invalid_answers_name_the_condition_and_save_nothing(store: Store) -> None:
    """An unknown answer, a rating of 7 and an over-long note are all reported together; nothing is saved."""
    values = some_values(store)
    values["e1-mission-2"] = {"answer": "maybe"}
    values["esa-3"] = {"rating": "7"}
    values["esa-4"] = {"rating": "2", "note": "x" * 501}
    with pytest.raises(service.InvalidRoundFileError) as caught:
        service.submit(store, principal=LOCAL_ADMIN, place_id="hartlepool", round_id=ROUND, values=values)
    columns = {problem.column for problem in caught.value.problems}
    assert columns == {"e1-mission-2", "esa-3", "esa-4 note"}
    assert service.conditions_store(store).entries() == []


def test_unanswered_conditions_are_stored_as_missing_not_zero(store: Store) -> None:
    """A round with one answer stores every condition, the others null, and counts one answered."""
    entry = service.submit(store, principal=LOCAL_ADMIN, place_id="hartlepool", round_id=ROUND,
                           values={"esa-2": {"rating": "4"}})  # fmt: skip
    rows = in_force(store)
    assert entry.answered == 1
    assert len(rows) == len(service.catalogue(store))
    assert rows["rating"].notna().sum() == 1
    assert rows["answer"].isna().all()


def test_partnership_writes_and_reads_only_its_own_place(store: Store) -> None:
    """Hartlepool's user may fill in Hartlepool only; a funder reads all but writes nothing; public reads nothing."""
    service.submit(store, principal=LOCAL_ADMIN, place_id="lincoln", round_id=ROUND, values=some_values(store))
    assert service.places(store, principal=HARTLEPOOL)["place_id"].tolist() == ["hartlepool"]
    service.save_draft(store, principal=HARTLEPOOL, place_id="hartlepool", round_id=ROUND, values=some_values(store))
    with pytest.raises(service.ConditionsAccessError):
        service.save_draft(store, principal=HARTLEPOOL, place_id="lincoln", round_id=ROUND, values={})
    with pytest.raises(service.ConditionsAccessError):
        service.round_state(store, principal=HARTLEPOOL, place_id="lincoln", round_id=ROUND)
    with pytest.raises(service.ConditionsAccessError):
        service.undo_last(store, principal=HARTLEPOOL, place_id="lincoln", round_id=ROUND)
    with pytest.raises(service.ConditionsAccessError):
        service.submit(store, principal=FUNDER, place_id="hartlepool", round_id=ROUND, values={})
    with pytest.raises(service.ConditionsAccessError):
        service.cohort(store, principal=PUBLIC)
    assert len(service.places(store, principal=FUNDER)) == 9
    assert set(service.history(store, principal=HARTLEPOOL)["place_id"]) == {"hartlepool"}
    exported = pd.read_csv(io.BytesIO(service.export_rounds(store, principal=HARTLEPOOL, file_format="csv")))
    assert exported.empty  # Hartlepool has only a draft; Lincoln's submission is not its to read
    everything = pd.read_csv(io.BytesIO(service.export_rounds(store, principal=FUNDER, file_format="csv")))
    assert set(everything["place_id"]) == {"lincoln"}


def test_a_place_outside_the_current_phase_cannot_be_filled_in(store: Store) -> None:
    """Andover (Phase 1 only) is not offered and a save for it is refused."""
    with pytest.raises(service.ConditionsAccessError, match="not a place taking part"):
        service.save_draft(store, principal=LOCAL_ADMIN, place_id="andover", round_id=ROUND, values={})


def filled_template(store: Store, path: Path, *, place: str, answers: dict[str, str]) -> Path:
    """The CLI's own template with answers written into it, as a person would in a spreadsheet."""
    text = service.template(store, file_format="csv", place_id=place, round_id=ROUND).decode("utf-8-sig")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    for row in rows:
        row["answer"] = answers.get(row["condition_id"], "")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def cli(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pbsa_analytics", "conditions", *args]
    return subprocess.run(
        command, check=False, cwd=settings.REPO_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120
    )


def test_template_filled_offline_imports_as_a_submission(store: Store, tmp_path: Path) -> None:
    """A filled-in template submits exactly the answers written in it; --correct is needed the second time."""
    answers = {"e1-mission-1": "Yes", "e1-resources-4": "no", "esa-6": "2", "esa-8": "4"}
    path = filled_template(store, tmp_path / "round.csv", place="Hartlepool Action Lab", answers=answers)
    done = cli("import", str(path), "--by", "Ann")
    assert done.returncode == 0, done.stderr
    rows = in_force(store).set_index("condition_id")
    stored = {
        cid: (rows.loc[cid, "answer"] if cid.startswith("e1") else str(rows.loc[cid, "rating"])) for cid in answers
    }
    assert stored == {cid: (v.lower() if cid.startswith("e1") else v) for cid, v in answers.items()}
    again = cli("import", str(path))
    assert again.returncode == 2
    assert "already submitted" in again.stderr
    assert cli("import", str(path), "--correct").returncode == 0
    assert service.history(store, principal=LOCAL_ADMIN)["kind"].tolist() == ["correction", "submission"]


def test_a_bad_file_names_row_and_column_and_imports_nothing(store: Store, tmp_path: Path) -> None:
    """A bad answer on spreadsheet row 2 and an unknown condition are reported by row and column."""
    path = filled_template(store, tmp_path / "bad.csv", place="Hartlepool", answers={"e1-mission-1": "perhaps"})
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(f"Hartlepool,{ROUND},e1-mission-99,made up,Yes,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = cli("import", str(path))
    assert done.returncode == 2
    assert "row 2, column 'answer'" in done.stderr
    assert f"row {len(lines)}, column 'condition_id'" in done.stderr
    assert service.conditions_store(store).entries() == []


def test_export_in_three_formats_holds_every_answer_in_force(store: Store, tmp_path: Path) -> None:
    """CSV, XLSX and Parquet exports hold one row per condition per submitted round, formulas neutralised."""
    values = some_values(store)
    values["e1-mission-1"]["note"] = "=HYPERLINK(1)"
    for place in ("hartlepool", "lincoln"):
        service.submit(store, principal=LOCAL_ADMIN, place_id=place, round_id=ROUND, values=values)
    expected = 2 * len(service.catalogue(store))
    frames = []
    for fmt, reader in (("csv", pd.read_csv), ("xlsx", pd.read_excel), ("parquet", pd.read_parquet)):
        output = tmp_path / f"out.{fmt}"
        assert cli("export", "--format", fmt, "--output", str(output)).returncode == 0
        frames.append(reader(output))
    for frame in frames:
        assert len(frame) == expected
        assert set(frame["note"].dropna()) == {"'=HYPERLINK(1)"}


# kill -9 and disk errors at every write step of a save or an undo, chosen by the fault hooks of
# store/faults.py, and the shared write lock, are tested in tests/test_conditions_faults.py.


def test_two_processes_submitting_the_same_round_one_wins(store: Store, tmp_path: Path) -> None:
    """Two replicas submit the same round at once: exactly one submission lands, the other is told to correct."""
    paths = [
        filled_template(store, tmp_path / f"{name}.csv", place="Hartlepool", answers={"esa-1": rating})
        for name, rating in (("first", "1"), ("second", "4"))
    ]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "pbsa_analytics", "conditions", "import", str(path)],
            cwd=settings.REPO_ROOT,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in paths
    ]
    results = [process.communicate(timeout=120) for process in processes]
    codes = sorted(process.returncode for process in processes)
    assert codes == [0, 2], results
    assert any("already submitted" in err for _, err in results)
    entries = service.conditions_store(store).entries()
    assert [entry.kind for entry in entries] == ["submission"]


def test_demo_is_seeded_labelled_and_never_goes_into_the_default_store(store: Store, tmp_path: Path) -> None:
    """Three rounds for the 9 Phase 3 places, the same for the same seed; the default store is refused."""
    catalogue = service.catalogue(store)
    places = queries.run(store, "conditions_places")["place_id"].tolist()
    first = demo.generate(conditions=catalogue, place_ids=places, seed=7)
    assert first == demo.generate(conditions=catalogue, place_ids=places, seed=7)
    assert first != demo.generate(conditions=catalogue, place_ids=places, seed=8)
    with pytest.raises(demo.DemoStoreError):
        demo.load_demo(db_path=Path(os.environ["PBSA_DB_PATH"]), store_dir=settings.REPO_ROOT / "var" / "store")

    target = tmp_path / "demo-store"
    done = cli("demo", "--store-dir", str(target))
    assert done.returncode == 0, done.stderr
    demo_store = ConditionsStore(target / "conditions")
    assert demo_store.synthetic
    entries = demo_store.entries()
    assert len(entries) == len(places) * len(demo.ROUNDS) == 27
    assert {e.saved_by for e in entries} == {demo.LABEL}
    assert cli("demo", "--store-dir", str(target)).returncode == 0
    assert len(demo_store.entries()) == 27  # loading again adds nothing


def test_demo_refuses_a_folder_holding_real_rounds(store: Store) -> None:
    """Synthetic rounds are never mixed with real ones."""
    service.submit(store, principal=LOCAL_ADMIN, place_id="hartlepool", round_id=ROUND, values={})
    with pytest.raises(demo.DemoStoreError, match="real self-assessments"):
        demo.load_demo(db_path=Path(os.environ["PBSA_DB_PATH"]), store_dir=Path(os.environ["PBSA_STORE_DIR"]))
