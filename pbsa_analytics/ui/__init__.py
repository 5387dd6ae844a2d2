"""Top layer: shared Streamlit pieces (navigation, URL state, data access, downloads, layout)."""
