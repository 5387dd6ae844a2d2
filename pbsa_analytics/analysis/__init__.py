"""Pure data shaping for pages and charts: orderings, similarity and the sentences that state findings."""
