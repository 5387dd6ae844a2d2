"""PBSA Analytics entry point: the navigation across the pages in pages/."""

import streamlit as st
from pbsa_analytics.ui.navigation import build_navigation

st.set_page_config(page_title="PBSA Analytics", layout="wide")
build_navigation().run()
