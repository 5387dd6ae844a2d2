"""Place map (/map): the places over a local UK outline, filterable, with a panel per place."""

import streamlit as st

from pbsa_analytics import settings
from pbsa_analytics.maps.places import PLACES_LAYER_ID, load_outline, places_deck
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.downloads import data_downloads
from pbsa_analytics.ui.layout import empty_state, guard, phase_legend
from pbsa_analytics.ui.panels import place_panel

PHASE_FILTERS = {1: "All 20 places (Phase 1)", 2: "Reached Phase 2", 3: "Reached Phase 3"}
METRIC_CHOICES = ["none", "volunteers", "beneficiaries", "activities", "public_meetings"]


def render() -> None:
    st.title("Where the places are")
    metrics = query("metrics_list")
    labels = {"none": "Same size", **dict(zip(metrics["metric"], metrics["label"], strict=True))}
    regions = query("regions")["region"].tolist()

    left, middle, right = st.columns(3)
    with left:
        min_phase = url_state.choice(
            st.selectbox, "Show places", list(PHASE_FILTERS), key="map_phase", param="phase", default=1,
            format_func=PHASE_FILTERS.get,
        )  # fmt: skip
    with middle:
        chosen_regions = url_state.multi_choice("Regions (none = all)", regions, key="map_regions", param="region")
    with right:
        metric = url_state.choice(
            st.selectbox, "Size points by (Phase 2 figures)", METRIC_CHOICES, key="map_metric", param="size",
            default="none", format_func=labels.get,
        )  # fmt: skip

    points = query(
        "place_points",
        min_phase=min_phase,
        regions=chosen_regions or regions,
        metric=metric if metric != "none" else "volunteers",
    )
    if points.empty:
        empty_state("No place matches these filters. Choose another phase or clear the region filter.")
        return

    sized = metric != "none"
    outline = load_outline(settings.data_dir() / "geo" / "uk_outline.geojson")
    deck = places_deck(points=points, outline=outline, sized_by_metric=sized, metric_label=labels[metric])
    st.markdown(f"**{len(points)} places** match these filters.")
    phase_legend(
        sized_note=f"Area shows each place's Phase 2 figure for {labels[metric].lower()}; a white dot means "
        "no Phase 2 figure (the place was not in Phase 2, or its figures were not shared)."
        if sized
        else ""
    )
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="map_deck", height=560)
    st.caption(
        "Points are approximate locations of each partnership's neighbourhood or town (WGS84). Outline: "
        "Natural Earth via world-atlas. Sources: Renaisi, Learning from Phase 1 (2019) Appendix 1; Learning "
        "from Phase 2 (2022). Partnerships recorded figures in different ways."
    )

    picked = (event.selection.get("objects", {}) or {}).get(PLACES_LAYER_ID) if event else None
    if picked:
        url_state.set_param("place", picked[0]["place_id"])
    place_id = url_state.read_param("place")
    if place_id and place_id in set(points["place_id"]):
        place_panel(place_id=place_id, key_prefix="map_panel")
    else:
        st.info("Click a place on the map to see its panel.", icon=":material/touch_app:")

    with st.expander("Table view of the map (text alternative)"):
        table = points.drop(columns=["latitude", "longitude"]).rename(columns={"metric_value": labels[metric]})
        if not sized:
            table = table.drop(columns=[labels[metric]])
        st.dataframe(table, hide_index=True, key="map_table")
        data_downloads(data=table, name="pbsa-places", key="map_table_dl")


guard(render)
