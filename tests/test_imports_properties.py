"""Property tests: generated malformed or mixed files never crash and never half-import; valid files round-trip."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbsa_analytics import queries
from pbsa_analytics.services import monitoring
from pbsa_analytics.store import Store
from tests.imports_support import METRICS, PHASE3_PLACES, csv_bytes, fresh_store, snapshot

HEADER = ["place", "period_start", "period_end", "metric", "value", "note"]
QUARTERS = [(date(y, m, 1), date(y, m + 2, 30 if m + 2 in (6, 9) else 31)) for y in (2022, 2023) for m in (1, 4, 7, 10)]

good_cell = st.tuples(
    st.sampled_from(PHASE3_PLACES), st.sampled_from(QUARTERS), st.sampled_from(METRICS), st.integers(0, 50_000)
)
junk = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "-", "n/a", "1,143", "12.5", "-3", "=1+1", "Total", "Hartlepol", "31/02/2022", "**"]),
)


@st.composite
def messy_files(draw) -> bytes:
    """CSV files whose cells are drawn from good values and junk, sometimes with odd headers or encodings."""
    header = draw(st.one_of(st.just(HEADER), st.lists(st.sampled_from([*HEADER, "Place", "Colour", ""]), max_size=7)))
    rows = [header]
    for _ in range(draw(st.integers(0, 12))):
        place, (start, end), metric, value = draw(good_cell)
        row = [place, start.isoformat(), end.isoformat(), metric, str(value), ""]
        for index in draw(st.lists(st.integers(0, 5), max_size=3)):
            row[index] = draw(junk)
        rows.append(row[: len(header)] if draw(st.booleans()) else row)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return csv_bytes(rows, encoding="utf-8").decode("utf-8").encode(encoding, errors="replace")


@pytest.fixture(scope="module")
def shared_store(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    return fresh_store(built_db, tmp_path_factory.mktemp("property-store"))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=messy_files(), replace=st.booleans())
def test_any_file_is_imported_whole_or_not_at_all(shared_store: Store, data: bytes, replace: bool) -> None:
    """Validation never crashes; a refused file changes nothing, an accepted one adds exactly its own rows."""
    validated = monitoring.check_file(shared_store, data=data, file_name="generated.csv")
    before_count, before = snapshot(shared_store)
    try:
        record = monitoring.import_file(
            shared_store, data=data, file_name="generated.csv", replace=replace, submitted_by="hypothesis"
        )
    except monitoring.PbsaError:
        after_count, after = snapshot(shared_store)
        assert after_count == before_count
        pd.testing.assert_frame_equal(before, after)
        return
    assert validated.ok
    after_count, after = snapshot(shared_store)
    assert after_count == before_count + 1
    landed = after[after["import_id"] == record.import_id]
    assert len(landed) == record.rows_added + record.rows_replaced + record.rows_unchanged
    assert len(landed) == len(validated.rows)


@st.composite
def valid_returns(draw) -> pd.DataFrame:
    cells = draw(st.lists(good_cell, min_size=1, max_size=30, unique_by=lambda c: (c[0], c[1], c[2])))
    return pd.DataFrame(
        [{"place": p, "period_start": s, "period_end": e, "metric": m, "value": v} for p, (s, e), m, v in cells]
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=valid_returns())
def test_valid_file_round_trips_through_export(built_db: Path, tmp_path_factory, frame: pd.DataFrame) -> None:
    """Importing a valid file, exporting, and importing the export elsewhere gives the same figures."""
    folder = tmp_path_factory.mktemp("roundtrip")
    first, second = fresh_store(built_db, folder / "a"), fresh_store(built_db, folder / "b")
    data = csv_bytes([list(frame.columns), *frame.astype(str).values.tolist()])
    monitoring.import_file(first, data=data, file_name="in.csv", replace=True, submitted_by="t")
    exported = pd.read_csv(io.BytesIO(monitoring.export_monitoring(first, file_format="csv")), encoding="utf-8-sig")
    imported_rows = exported[exported["import_id"].notna()]
    buffer = io.BytesIO()
    imported_rows.to_csv(buffer, index=False)
    monitoring.import_file(second, data=buffer.getvalue(), file_name="export.csv", replace=True, submitted_by="t")
    key = ["place_id", "period_start", "period_end", "metric", "value"]
    a = queries.run(first, "monitoring_all")[key].sort_values(key[:4]).reset_index(drop=True)
    b = queries.run(second, "monitoring_all")[key].sort_values(key[:4]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert len(imported_rows) == len(frame)
