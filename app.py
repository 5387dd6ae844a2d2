"""PBSA Analytics entry point: the navigation across the pages in pages/."""

import streamlit as st

from pbsa_analytics.ui.a11y import page_styles
from pbsa_analytics.ui.auth import entry_navigation, has_access
from pbsa_analytics.ui.navigation import FAVICON
from pbsa_analytics.ui.share import UNSHARED_PAGES, share_sidebar, start_page

# A local favicon: the default would be fetched from a CDN.
st.set_page_config(page_title="PBSA Analytics", page_icon=str(FAVICON), layout="wide")
# Sign-in decides which pages exist for this session; unknown users get one page saying so.
page = entry_navigation()
start_page()
page_styles()
page.run()
# The sign-in, no-access and refusal pages offer nothing to share; nor does /pulse, a phone's answer form.
if has_access() and page.url_path not in UNSHARED_PAGES:
    share_sidebar(title=page.title, url_path=page.url_path)
