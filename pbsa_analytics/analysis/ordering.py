"""Orderings of places for heatmaps: by name, furthest phase, count, or profile similarity."""

from __future__ import annotations

from enum import StrEnum

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
    """Place ids ordered so that places with alike profiles (Jaccard) sit next to each other."""
    if len(profiles) < 3:
        return list(profiles.index)
    distances = pdist(profiles.to_numpy(dtype=bool), metric="jaccard")
    # Identical all-empty rows give NaN distances; they are as alike as can be.
    distances = pd.Series(distances).fillna(0.0).to_numpy()
    tree = optimal_leaf_ordering(linkage(distances, method="average"), distances)
    return [profiles.index[i] for i in leaves_list(tree)]


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
