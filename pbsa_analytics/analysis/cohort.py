"""Comparing one place with the rest of its cohort: monitoring, typologies, evidence and peers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pbsa_analytics.analysis.ordering import profile_matrix

RARE_SHARE = 0.3
COMMON_SHARE = 0.6

# How a place's participation in a phase reads in sentences (phase_participation.status).
STATUS_TEXT = {
    "took_part": "took part",
    "not_selected": "not selected",
    "not_progressed": "did not progress",
    "withdrew": "withdrew",
}


def monitoring_comparison(values: pd.DataFrame, *, place_id: str) -> pd.DataFrame:
    """Per metric: this place's value, cohort median, min, max, rank among reporters and share of total.

    Missing values stay missing and are left out of medians, ranks and totals.
    """
    rows = []
    for (metric, label), group in values.groupby(["metric", "label"], sort=False):
        reported = group.dropna(subset=["value"])
        own = group.loc[group["place_id"] == place_id, "value"]
        own_value = own.iloc[0] if len(own) else None
        has_value = own_value is not None and pd.notna(own_value)
        total = reported["value"].sum()
        rank = int((reported["value"] > own_value).sum()) + 1 if has_value else None
        rows.append(
            {
                "metric": metric,
                "label": label,
                "value": own_value if has_value else None,
                "cohort_median": reported["value"].median() if len(reported) else None,
                "cohort_min": reported["value"].min() if len(reported) else None,
                "cohort_max": reported["value"].max() if len(reported) else None,
                "reporting": len(reported),
                "cohort": len(group),
                "rank": rank,
                "share_of_total": (own_value / total) if has_value and total else None,
            }
        )
    return pd.DataFrame(rows)


def typology_contrast(matrix: pd.DataFrame, *, place_id: str) -> pd.DataFrame:
    """Per typology: share of the cohort with it and whether this place has it, flagged rare or common."""
    if matrix.empty or not (matrix["place_id"] == place_id).any():
        return pd.DataFrame(columns=["typology_name", "share", "has", "kind"])
    shares = matrix.groupby(["typology_id", "typology_name", "typology_position"], as_index=False)["marked"].mean()
    own = matrix[matrix["place_id"] == place_id].set_index("typology_id")["marked"]
    shares["has"] = shares["typology_id"].map(own).astype(bool)
    shares = shares.rename(columns={"marked": "share"})
    shares["kind"] = "typical"
    shares.loc[shares["has"] & (shares["share"] <= RARE_SHARE), "kind"] = "distinctive: few others have it"
    shares.loc[~shares["has"] & (shares["share"] >= COMMON_SHARE), "kind"] = "missing: most others have it"
    return shares.sort_values("typology_position").reset_index(drop=True)


def outcome_contrast(matrix: pd.DataFrame, *, place_id: str) -> pd.DataFrame:
    """Per outcome: this place's evidence records next to the cohort median and maximum."""
    if matrix.empty:
        return pd.DataFrame(columns=["outcome", "this_place", "cohort_median", "cohort_max"])
    stats = matrix.groupby(["outcome_id", "outcome", "outcome_position"], as_index=False).agg(
        cohort_median=("evidence_records", "median"), cohort_max=("evidence_records", "max")
    )
    own = matrix[matrix["place_id"] == place_id].set_index("outcome_id")["evidence_records"]
    stats["this_place"] = stats["outcome_id"].map(own)
    return stats.sort_values("outcome_position").reset_index(drop=True)


def nearest_peers(matrix: pd.DataFrame, *, place_id: str, count: int = 3) -> pd.DataFrame:
    """The places whose typology profiles are most alike (Jaccard similarity of marked types).

    One array operation over all places, so 10,000 places cost a few milliseconds, not a loop.
    """
    profiles = profile_matrix(matrix).astype(bool)
    if place_id not in profiles.index:
        return pd.DataFrame(columns=["place_id", "place_name", "similarity", "shared"])
    names = matrix.drop_duplicates("place_id").set_index("place_id")["place_name"]
    own = profiles.loc[place_id].to_numpy()
    others = profiles.drop(index=place_id)
    grid = others.to_numpy()
    shared = (grid & own).sum(axis=1)
    either = (grid | own).sum(axis=1)
    # Two empty profiles are as alike as can be (scipy's jaccard gives 0 distance there too).
    similarity = np.where(either > 0, shared / np.maximum(either, 1), 1.0)
    peers = pd.DataFrame(
        {
            "place_id": others.index,
            "place_name": names.reindex(others.index).to_numpy(),
            "similarity": similarity,
            "shared": shared,
        }
    )
    return peers.sort_values(["similarity", "place_name"], ascending=[False, True]).head(count).reset_index(drop=True)
