"""Place map (/map): the places over a local UK outline, filterable, with a panel per place."""

import streamlit as st

from pbsa_analytics import settings
from pbsa_analytics.maps.labels import Placement
from pbsa_analytics.maps.places import PLACES_LAYER_ID
from pbsa_analytics.periods import RULE_SHORT
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.citations import caption, scope
from pbsa_analytics.ui.data import query
from pbsa_analytics.ui.downloads import data_downloads
from pbsa_analytics.ui.focus import scroll_into_view
from pbsa_analytics.ui.layout import empty_state, guard, phase_legend
from pbsa_analytics.ui.map_view import places_map
from pbsa_analytics.ui.monitoring import period_control
from pbsa_analytics.ui.panels import place_panel
from pbsa_analytics.ui.place_links import resolve_place

PHASE_FILTERS = {1: "All {places} places (Phase 1)", 2: "Reached Phase 2", 3: "Reached Phase 3"}
METRIC_CHOICES = ["none", "volunteers", "beneficiaries", "activities", "public_meetings"]


def _find_place(points) -> None:
    """A search box: a name or alias (or part of one) opens that place's panel; several matches are offered."""
    text = st.text_input("Find a place", key="map_find", placeholder="Name or alias", max_chars=80)
    text = text.strip()
    if not text or text == st.session_state.get("_map_last_find"):
        return
    matches = query("place_search", text=text)
    shown = matches[matches["place_id"].isin(points["place_id"])]
    if shown.empty:
        st.warning("No place shown on this map has that name or alias.", icon=":material/search_off:")
        st.text(f"Searched for: {text}")
        return
    exact = shown[shown["exact"]]
    if len(exact) == 1 or len(shown) == 1:
        st.session_state["_map_last_find"] = text
        url_state.set_param("place", (exact if len(exact) == 1 else shown)["place_id"].iloc[0])
        return
    st.write(f"{len(shown)} places match; choose one:")
    for column, row in zip(st.columns(min(len(shown), 4)), shown.head(4).itertuples(), strict=False):
        if column.button(row.place_name, key=f"map_find_{row.place_id}"):
            st.session_state["_map_last_find"] = text
            url_state.set_param("place", row.place_id)


def _follow_click() -> None:
    """A click on a place's dot (not on a grey group of other partnerships) moves ?place= to it."""
    picked = (st.session_state.get("map_deck") or {}).get("selection", {}).get("objects", {}).get(PLACES_LAYER_ID)
    if picked and picked[0]["place_id"] != st.session_state.get("_map_last_pick"):
        # A click is sticky across reruns; only a new one moves ?place=.
        st.session_state["_map_last_pick"] = picked[0]["place_id"]
        url_state.set_param("place", picked[0]["place_id"])


def _count_and_groups(points) -> bool:
    """How many places the map shows; and, if the data layer grouped other partnerships by region, say so."""
    grouped = bool(points["furthest_phase"].isna().any())  # only a scoped (anonymised) view has such points
    st.markdown(f"**{int(points['places'].sum())} places** match these filters.")
    if grouped:
        st.caption(
            "Grey dots: the other partnerships, counted per region and drawn at the region's centre, not where they "
            "are, so that no one can be recognised; their names and figures are not shown."
        )
    return grouped


def render() -> None:
    st.title("Where the places are")
    metrics = query("metrics_list")
    labels = {"none": "Same size", **dict(zip(metrics["metric"], metrics["label"], strict=True))}
    regions = query("regions")["region"].tolist()
    cohorts = query("phase_cohorts")
    first_cohort = int(cohorts.loc[cohorts["phase"] == 1, "places"].sum())  # every place took part in Phase 1

    period = period_control(key="map_period")
    left, middle, right = st.columns(3)
    with left:
        min_phase = url_state.choice(
            st.selectbox, "Show places", list(PHASE_FILTERS), key="map_phase", param="phase", default=1,
            format_func=lambda phase: PHASE_FILTERS[phase].format(places=first_cohort),
        )  # fmt: skip
    with middle:
        chosen_regions = url_state.multi_choice("Regions (none = all)", regions, key="map_regions", param="region")
    with right:
        metric = url_state.choice(
            st.selectbox, f"Size points by ({period.label})", METRIC_CHOICES, key="map_metric", param="size",
            default="none", format_func=labels.get,
        )  # fmt: skip

    points = query(
        "place_points",
        min_phase=min_phase,
        regions=chosen_regions or regions,
        metric=metric if metric != "none" else "volunteers",
        **period.params(),
    )
    if points.empty:
        empty_state("No place matches these filters. Choose another phase or clear the region filter.")
        return

    sized = metric != "none"
    _find_place(points)
    _follow_click()
    place_id = resolve_place(
        allowed=set(points["place_id"].tolist()),
        why_not_allowed="that place is not among the places these filters show.",
    )
    name_labels, deck = places_map(
        points=points, outline_path=settings.data_dir() / "geo" / "uk_outline.geojson", sized_by_metric=sized,
        metric_label=f"{labels[metric]} ({period.label})", selected_place_id=place_id,
    )  # fmt: skip
    grouped = _count_and_groups(points)
    rule = RULE_SHORT[metrics.set_index("metric").loc[metric, "over_time"]] if sized else ""
    phase_legend(
        sized_note=f"Area shows each place's {labels[metric].lower()}, {period.label} ({rule}); a white dot "
        "means no figure in that period (the place was not reporting then, or its figures were not shared)."
        if sized
        else ""
    )
    st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="map_deck", height=560)
    figures = [scope("monitoring")] if sized else []
    outline_caveats = ["place_locations_approximate", *(["monitoring_recorded_differently"] if sized else [])]
    map_caption = caption(rows=[scope("places"), *figures], caveats=[*outline_caveats, "map_outline"])
    st.caption(map_caption + " Names too close together to print beside their dot sit on a short line.")
    listed = [label.text for label in name_labels if label.placement is Placement.LISTED]
    if listed:
        st.caption("Too crowded to label on the map at this zoom: " + ", ".join(listed) + ".")

    if place_id:
        place_panel(place_id=place_id, key_prefix="map_panel")
        scroll_into_view(key="map_panel_container", memory="map_place", value=place_id)
    else:
        st.info("Click a place on the map to see its panel.", icon=":material/touch_app:")

    with st.expander("Table view of the map (text alternative)"):
        table = points.drop(columns=["latitude", "longitude", *([] if grouped else ["places"])])
        table = table.rename(columns={"metric_value": labels[metric]})
        table = table.assign(period=period.label, rule=rule) if sized else table.drop(columns=[labels[metric]])
        st.dataframe(table, hide_index=True, key="map_table")
        data_downloads(data=table, name="pbsa-places", key="map_table_dl", caption=map_caption)


guard(render)
