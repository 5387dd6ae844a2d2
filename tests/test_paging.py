"""Per-place grids at scale show one page of places, chosen in the URL; small cohorts show every place."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from pbsa_analytics.ui import paging


def _script() -> None:
    import streamlit as st  # noqa: PLC0415 (AppTest runs the function body as a script)

    from pbsa_analytics.ui import paging  # noqa: PLC0415

    total = int(st.query_params.get("n", "130"))
    shown = paging.page_of([f"place {i:03d}" for i in range(total)], key="grid_page")
    st.text("|".join(shown))


def _shown(**query: str) -> tuple[AppTest, list[str]]:
    app = AppTest.from_function(_script, default_timeout=30)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, app.exception
    return app, app.text[0].value.split("|")


def test_small_cohort_shows_every_place_without_a_pager() -> None:
    app, shown = _shown(n="20")
    assert shown == [f"place {i:03d}" for i in range(20)]
    assert len(app.selectbox) == 0


def test_large_cohort_shows_one_page_and_the_url_chooses_it() -> None:
    app, shown = _shown(n="130")
    assert shown == [f"place {i:03d}" for i in range(paging.PAGE_SIZE)]
    assert app.selectbox(key="grid_page").options == ["1–60 of 130", "61–120 of 130", "121–130 of 130"]
    app.selectbox(key="grid_page").set_value(3).run()
    assert app.text[0].value.split("|") == ["place 120", "place 121", "place 122", "place 123", "place 124",
                                            "place 125", "place 126", "place 127", "place 128", "place 129"]  # fmt: skip
    assert app.query_params["page"] == "3"
    _, from_url = _shown(n="130", page="2")
    assert from_url == [f"place {i:03d}" for i in range(60, 120)]


def test_rows_for_keeps_only_the_shown_places_rows() -> None:
    frame = pd.DataFrame({"place_name": ["a", "a", "b", "c"], "value": [1, 2, 3, 4]})
    assert paging.rows_for(frame, ["a", "c"])["value"].tolist() == [1, 2, 4]
    assert paging.rows_for(frame, ["a", "b", "c"]) is frame
