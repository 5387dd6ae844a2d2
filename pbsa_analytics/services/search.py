"""Evidence search for pages and the CLI: the words of a query as the search index stores them (stemmed)."""

from __future__ import annotations

from pbsa_analytics.store.search_index import search_terms

__all__ = ["search_terms"]
