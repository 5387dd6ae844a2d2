"""?place= in a link: an id, a name or any alias the documents use resolves to the place's id."""

from __future__ import annotations

from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.data import query

PARAM = "place"
MAX_PLACE_TEXT = 200


def resolve_place(*, allowed: set[str] | None = None, why_not_allowed: str = "") -> str | None:
    """The place id behind ?place= (id, name or alias), written back to the URL as the id.

    Text that names no place, or a place outside `allowed` (e.g. filtered off the map), is reported
    and dropped from the URL.
    """
    text = url_state.read_param(PARAM)
    if not text:
        return None
    matches = query("place_by_alias", text=text[:MAX_PLACE_TEXT])
    if matches.empty:
        url_state.report_ignored(PARAM, text, reason="no place has this id, name or alias.")
        return None
    place_id = str(matches["place_id"].iloc[0])
    if allowed is not None and place_id not in allowed:
        url_state.report_ignored(PARAM, text, reason=why_not_allowed or "that place is not shown here.")
        return None
    url_state.set_param(PARAM, place_id)
    return place_id
