"""Bottom layer: the DuckDB store — building it from data/ and reading it safely."""

from pbsa_analytics.store.build import RAW_SOURCES, VIEWS, build_store
from pbsa_analytics.store.connection import Store, open_store

__all__ = ["RAW_SOURCES", "VIEWS", "Store", "build_store", "open_store"]
