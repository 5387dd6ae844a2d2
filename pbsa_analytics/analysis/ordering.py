"""Orderings of places for heatmaps: by name, furthest phase, count, or profile similarity."""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
from scipy.spatial.distance import pdist


class PlaceOrder(StrEnum):
    NAME = "name"
    FURTHEST_PHASE = "furthest_phase"
    COUNT = "count"
    SIMILARITY = "similarity"


PLACE_ORDER_LABELS = {
    PlaceOrder.NAME: "Name",
    PlaceOrder.FURTHEST_PHASE: "Furthest phase reached",
    PlaceOrder.COUNT: "Number of typologies",
    PlaceOrder.SIMILARITY: "Similar profiles together",
}


def profile_matrix(matrix: pd.DataFrame) -> pd.DataFrame:
    """Place x typology 0/1 table from long rows with place_id, typology_id and marked."""
    marked = matrix["marked"].fillna(False).astype(bool)
    return (
        marked.groupby([matrix["place_id"], matrix["typology_id"]])
        .max()
        .unstack(fill_value=False)
        .astype(int)
        .sort_index()
    )


def similarity_order(profiles: pd.DataFrame) -> list[str]:
    """Place ids ordered so that places with alike profiles (Jaccard) sit next to each other.

    Places sharing a profile are as alike as can be, so the tree is built over the distinct profiles (at most 512
    with nine typologies, however many places: optimal leaf ordering over every place took 23 s at 2,000 places)
    and each profile's places follow one another in their own order.
    """
    marks = profiles.to_numpy(dtype=bool)
    distinct, profile_of = np.unique(marks, axis=0, return_inverse=True)
    leaves = np.arange(len(distinct))
    if len(distinct) >= 3:
        distances = pdist(distinct, metric="jaccard")  # distinct rows: never two empty ones, so never NaN
        leaves = leaves_list(optimal_leaf_ordering(linkage(distances, method="average"), distances))
    position = np.empty(len(distinct), dtype=int)
    position[leaves] = np.arange(len(distinct))
    order = np.lexsort((np.arange(len(marks)), position[profile_of.reshape(-1)]))
    return profiles.index[order].tolist()


def place_order(*, matrix: pd.DataFrame, by: PlaceOrder) -> list[str]:
    """Place names in display order for a long place x typology matrix."""
    names = matrix.drop_duplicates("place_id").set_index("place_id")["place_name"]
    if by is PlaceOrder.SIMILARITY:
        return [names[place_id] for place_id in similarity_order(profile_matrix(matrix))]
    summary = matrix.groupby(["place_id", "place_name"], as_index=False).agg(
        furthest_phase=("furthest_phase", "max"), count=("marked", "sum")
    )
    if by is PlaceOrder.FURTHEST_PHASE:
        summary = summary.sort_values(["furthest_phase", "place_name"], ascending=[False, True])
    elif by is PlaceOrder.COUNT:
        summary = summary.sort_values(["count", "place_name"], ascending=[False, True])
    else:
        summary = summary.sort_values("place_name")
    return summary["place_name"].tolist()
