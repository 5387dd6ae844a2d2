"""PBSA Analytics entry point: the navigation across the pages in pages/."""

import streamlit as st

from pbsa_analytics.ui.navigation import FAVICON, build_navigation

# A local favicon: the default would be fetched from a CDN.
st.set_page_config(page_title="PBSA Analytics", page_icon=str(FAVICON), layout="wide")
build_navigation().run()
